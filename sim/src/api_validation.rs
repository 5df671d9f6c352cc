//! The API server's validation of names and label values (apimachinery's `IsDNS1123Subdomain`,
//! `IsDNS1123Label`, `IsValidLabelValue`), with its messages, for objects made from a typed
//! command (`kubectl create deployment NAME`, `kubectl create namespace NAME`).

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

/// `field: Invalid value: "value": why`, one per reason.
pub fn invalid(field: &str, value: &str, reasons: Vec<String>) -> Vec<String> {
    reasons
        .into_iter()
        .map(|why| format!("{field}: Invalid value: {value:?}: {why}"))
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
    fn one_cause_alone_several_in_brackets() {
        assert_eq!(aggregate(&["a".into()]), "a");
        assert_eq!(aggregate(&["a".into(), "b".into()]), "[a, b]");
    }
}
