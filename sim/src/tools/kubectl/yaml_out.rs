//! `-o yaml` as kubectl prints it: the object's JSON turned into YAML the way
//! sigs.k8s.io/yaml and go-yaml do (keys sorted, sequences not indented under their key,
//! strings quoted only when they would read back as something else).
//!
//! The simulator crate takes no YAML dependency (DESIGN.md), and this direction — emitting a
//! JSON value — is small enough to own.

use serde_json::Value;

pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => emit_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn pad(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn emit_map(m: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    for k in keys {
        pad(indent, out);
        out.push_str(&string(k));
        out.push(':');
        emit_value(&m[k], indent, out);
    }
}

fn emit_seq(a: &[Value], indent: usize, out: &mut String) {
    for item in a {
        pad(indent, out);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line; the rest line up under it.
                let mut inner = String::new();
                emit_map(m, indent + 2, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start());
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                emit_seq(a, indent + 2, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn emit_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_map(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            emit_seq(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Would a plain scalar read back as something other than this string (YAML 1.1 as go-yaml
/// resolves it)? Then go-yaml double-quotes it.
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no",
        "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", ".inf", ".Inf", ".INF", "-.inf",
        "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
    ];
    if WORDS.contains(&s) || looks_like_timestamp(s) {
        return true;
    }
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);

    !t.is_empty()
        && (t.parse::<f64>().is_ok() && t.chars().all(|c| c.is_ascii_digit() || ".eE+-_".contains(c))
            || t.strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || t.strip_prefix("0o")
                .is_some_and(|o| !o.is_empty() && o.chars().all(|c| ('0'..='7').contains(&c))))
}

/// go-yaml resolves `2024-01-01` and `2024-01-01T00:02:00Z` to timestamps, so kubectl quotes a
/// `creationTimestamp`.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

/// Can libyaml emit it plain? Otherwise it is single-quoted.
fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        let second = s.chars().nth(1);
        let indicator_alone = matches!(first, '-' | '?' | ':') && second.is_some_and(|c| c != ' ');
        if !indicator_alone {
            return false;
        }
    }
    !(s.starts_with(' ')
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control()))
}

fn string(s: &str) -> String {
    if s.contains('\n') {
        let mut q = String::from("\"");
        q.push_str(&s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"));
        q.push('"');
        return q;
    }
    if resolves_to_non_string(s) {
        return format!("\"{s}\"");
    }
    if !plain_allowed(s) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emits_like_kubectl() {
        let v = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {}},
            "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}], "tolerations": [{"operator": "Exists"}]},
            "status": {"phase": "Running", "rv": "1234", "flag": "true", "star": "*", "empty": ""}});
        let want = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {}\n  labels:\n    app: web\n  name: web\nspec:\n  containers:\n  - image: nginx\n    name: c\n    ports:\n    - containerPort: 80\n  tolerations:\n  - operator: Exists\nstatus:\n  empty: \"\"\n  flag: \"true\"\n  phase: Running\n  rv: \"1234\"\n  star: '*'\n";
        assert_eq!(to_yaml(&v), want);
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(
            string("node-role.kubernetes.io/control-plane"),
            "node-role.kubernetes.io/control-plane"
        );
        assert_eq!(string("100m"), "100m");
        assert_eq!(string("1e3"), "\"1e3\"");
        assert_eq!(string("no"), "\"no\"");
        assert_eq!(string("2024-01-01T00:02:00Z"), "\"2024-01-01T00:02:00Z\"");
        assert_eq!(string("2024-01-01"), "\"2024-01-01\"");
        assert_eq!(string("2024-01-01x"), "2024-01-01x");
        assert_eq!(string("a: b"), "'a: b'");
        assert_eq!(string("-x"), "-x");
        assert_eq!(string("- x"), "'- x'");
    }
}
