//! Keeps a typed line from waiting for ever.
//!
//! A person at a real terminal stops a `kubectl drain` that a PodDisruptionBudget blocks with
//! Ctrl-C; a session has no Ctrl-C, and a step's virtual-time limit (`Sim::run_step`, one hour)
//! is far longer than anyone waits. So before a line
//! runs, a `kubectl drain` without `--timeout` gets one (the session's limit), and a
//! `kubectl delete pod` gets `--wait=false` while some node's kubelet is down (nothing would
//! ever confirm the deletion). Only the top level of the line is looked at; commands inside
//! quotes (`ssh node01 '...'`) or `$(...)` are left alone.

use kubedrill_sim::Sim;

/// How much virtual time a drain may wait before the session stops it, as kubectl's flag,
/// as the note says it, and in milliseconds.
const DRAIN_TIMEOUT_FLAG: &str = " --timeout=2m";
pub(crate) const DRAIN_LIMIT: &str = "2m";
pub(crate) const DRAIN_LIMIT_MS: u64 = 120_000;

/// The line to run and what was changed in it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Guarded {
    pub(crate) line: String,
    /// A drain was given `--timeout` by the session.
    pub(crate) drain_limited: bool,
}

/// A top-level word of the line and where it is.
#[derive(Debug)]
struct Token {
    text: String,
    end: usize,
    /// A separator (`;`, `&&`, `|`, ...) rather than a word.
    sep: bool,
}

/// Splits a line into words and separators, keeping quoted text (and `$(...)`) inside the
/// word it belongs to.
fn tokens(line: &str) -> Vec<Token> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b' ' || b == b'\t' {
            i += 1;
            continue;
        }
        if matches!(b, b';' | b'&' | b'|' | b'(' | b')') {
            let len = if i + 1 < bytes.len() && matches!((b, bytes[i + 1]), (b'&', b'&') | (b'|', b'|')) {
                2
            } else {
                1
            };
            out.push(Token {
                text: line[i..i + len].to_string(),
                end: i + len,
                sep: true,
            });
            i += len;
            continue;
        }
        let start = i;
        let mut depth = 0usize;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'\'' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                }
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                }
                b'\\' => i += 1,
                b'$' if bytes.get(i + 1) == Some(&b'(') => {
                    depth += 1;
                    i += 1;
                }
                b'(' if depth > 0 => depth += 1,
                b')' if depth > 0 => depth -= 1,
                b' ' | b'\t' | b';' | b'&' | b'|' | b'(' | b')' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        let end = i.min(bytes.len());
        out.push(Token {
            text: line[start..end].to_string(),
            end,
            sep: false,
        });
    }
    out
}

/// Whether some node's kubelet is not there to confirm a pod's end.
fn some_kubelet_down(sim: &Sim) -> bool {
    let c = sim.cluster();
    c.node_ids().any(|id| {
        let n = c.node(id);
        !n.powered_on || !n.kubelet_running
    })
}

pub(crate) fn guard(line: &str, sim: &Sim) -> Guarded {
    let toks = tokens(line);
    // (byte offset, text to insert), applied from the end so offsets stay valid.
    let mut inserts: Vec<(usize, &str)> = Vec::new();
    let mut drain_limited = false;
    let mut cmd_start = 0;
    while cmd_start < toks.len() {
        let cmd_end = toks[cmd_start..]
            .iter()
            .position(|t| t.sep)
            .map_or(toks.len(), |p| cmd_start + p);
        let words = &toks[cmd_start..cmd_end];
        // Skip `sudo` and `VAR=value` prefixes to the command word.
        let first = words.iter().position(|w| w.text != "sudo" && !is_assignment(&w.text));
        if let Some(f) = first
            && matches!(words[f].text.as_str(), "kubectl" | "k")
        {
            let args = &words[f + 1..];
            let verb = args.iter().position(|w| !w.text.starts_with('-'));
            let has = |flag: &str| {
                args.iter()
                    .any(|w| w.text == flag || w.text.starts_with(&format!("{flag}=")))
            };
            match verb.map(|v| (v, args[v].text.as_str())) {
                Some((v, "drain")) if !has("--timeout") => {
                    inserts.push((args[v].end, DRAIN_TIMEOUT_FLAG));
                    drain_limited = true;
                }
                Some((v, "delete")) if !has("--wait") && !has("--force") && some_kubelet_down(sim) => {
                    let pods = args.get(v + 1).is_some_and(|w| {
                        let r = w.text.split('/').next().unwrap_or("");
                        matches!(r, "pod" | "pods" | "po")
                    });
                    if pods {
                        inserts.push((args[v].end, " --wait=false"));
                    }
                }
                _ => {}
            }
        }
        cmd_start = cmd_end + 1;
    }
    let mut out = line.to_string();
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, text) in inserts {
        out.insert_str(at, text);
    }
    Guarded {
        line: out,
        drain_limited,
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quotes_and_substitutions_together() {
        let t: Vec<String> = tokens("a 'b c' \"d;e\" $(f g)|h&&i")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["a", "'b c'", "\"d;e\"", "$(f g)", "|", "h", "&&", "i"]);
    }

    #[test]
    fn assignments() {
        assert!(is_assignment("ETCDCTL_API=3"));
        assert!(!is_assignment("--timeout=1s"));
        assert!(!is_assignment("1A=b"));
    }
}
