//! Labels and label selectors, both the API form (`matchLabels`/`matchExpressions`) and the
//! string form kubectl takes (`-l app=web,tier!=db,env in (a,b),!legacy`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    NotEq,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A conjunction of requirements; the empty selector matches every object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

impl Requirement {
    fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.key);
        match self.op {
            Op::Eq => v == self.values.first(),
            Op::NotEq => v != self.values.first(),
            Op::In => v.is_some_and(|v| self.values.contains(v)),
            Op::NotIn => !v.is_some_and(|v| self.values.contains(v)),
            Op::Exists => v.is_some(),
            Op::DoesNotExist => v.is_none(),
        }
    }
}

impl Selector {
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    pub fn from_labels(labels: &Labels) -> Self {
        Self {
            requirements: labels
                .iter()
                .map(|(k, v)| Requirement {
                    key: k.clone(),
                    op: Op::Eq,
                    values: vec![v.clone()],
                })
                .collect(),
        }
    }

    /// The API form. Unknown operators are refused as the API server refuses them.
    pub fn from_api(sel: &LabelSelector) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for (k, v) in sel.match_labels.iter().flatten() {
            requirements.push(Requirement {
                key: k.clone(),
                op: Op::Eq,
                values: vec![v.clone()],
            });
        }
        for e in sel.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            let op = match e.operator.as_str() {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => return Err(SelectorError::Operator(other.to_string())),
            };
            if matches!(op, Op::In | Op::NotIn) && values.is_empty() {
                return Err(SelectorError::NoValues(e.key.clone()));
            }
            requirements.push(Requirement {
                key: e.key.clone(),
                op,
                values,
            });
        }
        Ok(Self { requirements })
    }

    /// The string form accepted by `kubectl -l` and `--pod-selector`.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for part in split_top_level(text)? {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(SelectorError::Empty(text.to_string()));
            }
            requirements.push(parse_requirement(part).ok_or_else(|| SelectorError::Requirement(part.to_string()))?);
        }
        Ok(Self { requirements })
    }
}

/// A label selector the API server or kubectl would refuse, with the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("{0:?} is not a valid label selector operator")]
    Operator(String),
    #[error("values: must be specified when `operator` is 'In' or 'NotIn' (key {0:?})")]
    NoValues(String),
    #[error("couldn't parse the selector string \"{0}\"")]
    Empty(String),
    #[error("unable to parse requirement: {0:?}")]
    Requirement(String),
    #[error("unable to parse requirement: unbalanced parenthesis in {0:?}")]
    Parenthesis(String),
}

crate::errors::error_text!(SelectorError);

fn split_top_level(text: &str) -> Result<Vec<&str>, SelectorError> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(SelectorError::Parenthesis(text.to_string()));
        }
    }
    if depth != 0 {
        return Err(SelectorError::Parenthesis(text.to_string()));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn valid_value(v: &str) -> bool {
    v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn parse_requirement(part: &str) -> Option<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        return valid_key(key).then(|| Requirement {
            key: key.to_string(),
            op: Op::DoesNotExist,
            values: vec![],
        });
    }
    for (sym, op) in [("!=", Op::NotEq), ("==", Op::Eq), ("=", Op::Eq)] {
        if let Some((k, v)) = part.split_once(sym) {
            let (k, v) = (k.trim(), v.trim());
            return (valid_key(k) && valid_value(v)).then(|| Requirement {
                key: k.to_string(),
                op,
                values: vec![v.to_string()],
            });
        }
    }
    for (word, op) in [(" notin ", Op::NotIn), (" in ", Op::In)] {
        if let Some((k, rest)) = part.split_once(word) {
            let k = k.trim();
            let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
            if !valid_key(k) || values.iter().any(|v| !valid_value(v)) {
                return None;
            }
            return Some(Requirement {
                key: k.to_string(),
                op,
                values,
            });
        }
    }
    valid_key(part).then(|| Requirement {
        key: part.to_string(),
        op: Op::Exists,
        values: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn string_selectors_match_like_kubectl() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        assert!(Selector::parse("app=web").unwrap().matches(&l));
        assert!(Selector::parse("app==web,tier!=db").unwrap().matches(&l));
        assert!(Selector::parse("tier in (front, back)").unwrap().matches(&l));
        assert!(!Selector::parse("tier notin (front)").unwrap().matches(&l));
        assert!(Selector::parse("app,!legacy").unwrap().matches(&l));
        assert!(!Selector::parse("legacy").unwrap().matches(&l));
        assert!(Selector::parse("").unwrap().matches(&l));
        assert!(Selector::parse("app=(").is_err());
        assert!(Selector::parse("a b=c").is_err());
    }
}
