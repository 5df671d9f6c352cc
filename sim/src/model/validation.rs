//! The API server's validation of names and labels (apimachinery's `IsDNS1123Subdomain`,
//! `IsDNS1123Label`, `IsQualifiedName`, `IsValidLabelValue`), with its messages: for every
//! object written through the API ([`object`]) and every manifest of a scenario file.

use crate::gotext::go_quote;
use crate::model::objects::ResourceKind;
use serde_json::Value;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

fn max_len(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() && b.iter().all(inner),
        // Upper-case letters pass `is_ascii_alphanumeric` but not `inner`.
        _ => false,
    }
}

/// `IsDNS1123Subdomain`: the problems with `s` as an object name, in apimachinery's order.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len(253));
    }
    if !s.split('.').all(is_label) {
        errs.push(SUBDOMAIN_MSG.to_string());
    }
    errs
}

/// `IsDNS1123Label`: the problems with `s` as a namespace's name.
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !is_label(s) {
        errs.push(LABEL_MSG.to_string());
    }
    errs
}

/// `IsValidLabelValue`.
pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    let b = s.as_bytes();
    let ok = b.is_empty()
        || (b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')));
    if !ok {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

const QUALIFIED_NAME_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, empty allowed when `empty_ok`.
fn is_qualified_part(s: &str, empty_ok: bool) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => empty_ok,
    }
}

/// `IsQualifiedName`: a label key, `[prefix/]name`.
pub fn label_key(s: &str) -> Vec<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len(63)));
    }
    if !name.is_empty() && !is_qualified_part(name, false) {
        errs.push(QUALIFIED_NAME_MSG.to_string());
    }
    if let Some(p) = prefix {
        if p.is_empty() {
            errs.push("prefix part must be non-empty".to_string());
        } else {
            errs.extend(dns1123_subdomain(p).into_iter().map(|e| format!("prefix part {e}")));
        }
    }
    if s.matches('/').count() > 1 {
        errs = vec![
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_string(),
        ];
    }
    errs
}

/// The errors of a label map at `field` (`metadata.labels`), keys then values, in key order.
pub fn labels<K: AsRef<str>, V: AsRef<str>>(field: &str, map: impl IntoIterator<Item = (K, V)>) -> Vec<String> {
    let mut errs = Vec::new();
    for (k, v) in map {
        let (k, v) = (k.as_ref(), v.as_ref());
        errs.extend(invalid(field, k, label_key(k)));
        errs.extend(invalid(field, v, label_value(v)));
    }
    errs
}

/// The field errors of an object written through the API, in the API server's order: its
/// name (a namespace's is a DNS label, every other a subdomain), its labels, then a
/// controller's or a budget's selector and pod template labels.
pub fn object(kind: ResourceKind, obj: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    if let Some(name) = obj.pointer("/metadata/name").and_then(Value::as_str) {
        let problems = if kind == ResourceKind::Namespaces {
            dns1123_label(name)
        } else {
            dns1123_subdomain(name)
        };
        errs.extend(invalid("metadata.name", name, problems));
    }
    errs.extend(object_labels(obj));
    errs
}

/// The field errors of an object's labels, selector and pod template labels (an update
/// cannot change the name).
pub fn object_labels(obj: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    for (field, pointer) in [
        ("metadata.labels", "/metadata/labels"),
        ("spec.selector.matchLabels", "/spec/selector/matchLabels"),
        ("spec.template.metadata.labels", "/spec/template/metadata/labels"),
    ] {
        if let Some(map) = obj.pointer(pointer).and_then(Value::as_object) {
            errs.extend(labels(field, map.iter().filter_map(|(k, v)| Some((k, v.as_str()?)))));
        }
    }
    errs
}

/// `field: Invalid value: "value": why`, one per reason.
pub fn invalid(field: &str, value: &str, reasons: Vec<String>) -> Vec<String> {
    reasons
        .into_iter()
        .map(|why| format!("{field}: Invalid value: {}: {why}", go_quote(value)))
        .collect()
}

/// An error list as the API server's `StatusError` says it: one cause alone, several in
/// brackets.
pub fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_subdomain("web").is_empty());
        assert!(dns1123_subdomain("a.b-c.d0").is_empty());
        assert_eq!(dns1123_subdomain("Web"), [SUBDOMAIN_MSG]);
        assert_eq!(dns1123_subdomain(""), [SUBDOMAIN_MSG]);
        assert_eq!(dns1123_subdomain("a..b"), [SUBDOMAIN_MSG]);
        assert_eq!(dns1123_subdomain(&"a".repeat(254)), [max_len(253)]);
        assert!(dns1123_label("kube-system").is_empty());
        assert_eq!(dns1123_label("a.b"), [LABEL_MSG]);
        assert_eq!(dns1123_label(&"a".repeat(64)), [max_len(63)]);
    }

    #[test]
    fn label_values() {
        assert!(label_value("").is_empty());
        assert!(label_value("My_value.1").is_empty());
        assert_eq!(label_value("-a"), [LABEL_VALUE_MSG]);
        assert_eq!(label_value(&"a".repeat(64)), [max_len(63)]);
    }

    #[test]
    fn label_keys() {
        assert!(label_key("app").is_empty());
        assert!(label_key("app.kubernetes.io/name").is_empty());
        assert_eq!(label_key("bad key!"), [QUALIFIED_NAME_MSG]);
        assert_eq!(label_key("/x"), ["prefix part must be non-empty"]);
        assert_eq!(
            label_key(&"k".repeat(64)),
            ["name part must be no more than 63 characters"]
        );
        assert_eq!(label_key("a/b/c").len(), 1);
    }

    #[test]
    fn one_cause_alone_several_in_brackets() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into()]), "[a, b]");
    }
}
