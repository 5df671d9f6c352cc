//! Taints and tolerations with the API server's matching rules.

use k8s_openapi::api::core::v1 as api;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// A taint or toleration the API server would refuse, with the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaintError {
    #[error("invalid taint effect {0:?}: expected NoSchedule, PreferNoSchedule or NoExecute")]
    Effect(String),
    #[error("invalid taint {0:?}: expected key[=value]:Effect")]
    Form(String),
    #[error("invalid taint {0:?}: the key is empty")]
    EmptyKey(String),
    #[error("invalid toleration operator {0:?}: expected Equal or Exists")]
    Operator(String),
    #[error("a toleration with an empty key must use operator Exists")]
    EmptyKeyEqual,
}

crate::errors::error_text!(TaintError);

impl Effect {
    pub fn parse(s: &str) -> Result<Self, TaintError> {
        match s {
            "NoSchedule" => Ok(Self::NoSchedule),
            "PreferNoSchedule" => Ok(Self::PreferNoSchedule),
            "NoExecute" => Ok(Self::NoExecute),
            other => Err(TaintError::Effect(other.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::PreferNoSchedule => "PreferNoSchedule",
            Self::NoExecute => "NoExecute",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: Effect,
}

impl Taint {
    pub fn new(key: &str, effect: Effect) -> Self {
        Self {
            key: key.to_string(),
            value: String::new(),
            effect,
        }
    }

    /// `key=value:Effect` or `key:Effect`, the form kubectl taint and scenario files use.
    pub fn parse(text: &str) -> Result<Self, TaintError> {
        let (kv, effect) = text
            .rsplit_once(':')
            .ok_or_else(|| TaintError::Form(text.to_string()))?;
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if key.is_empty() {
            return Err(TaintError::EmptyKey(text.to_string()));
        }
        Ok(Self {
            key: key.to_string(),
            value: value.to_string(),
            effect: Effect::parse(effect)?,
        })
    }
}

impl fmt::Display for Taint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect.as_str())
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect.as_str())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// None with `exists` = tolerate every taint.
    pub key: Option<String>,
    pub exists: bool,
    pub value: String,
    pub effect: Option<Effect>,
    pub seconds: Option<i64>,
}

impl Toleration {
    pub fn exists(key: &str, effect: Option<Effect>, seconds: Option<i64>) -> Self {
        Self {
            key: Some(key.to_string()),
            exists: true,
            value: String::new(),
            effect,
            seconds,
        }
    }

    pub fn from_api(t: &api::Toleration) -> Result<Self, TaintError> {
        let exists = match t.operator.as_deref() {
            None | Some("Equal") => false,
            Some("Exists") => true,
            Some(other) => return Err(TaintError::Operator(other.to_string())),
        };
        let effect = match t.effect.as_deref() {
            None | Some("") => None,
            Some(e) => Some(Effect::parse(e)?),
        };
        let key = t.key.clone().filter(|k| !k.is_empty());
        if key.is_none() && !exists {
            return Err(TaintError::EmptyKeyEqual);
        }
        Ok(Self {
            key,
            exists,
            value: t.value.clone().unwrap_or_default(),
            effect,
            seconds: t.toleration_seconds,
        })
    }

    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        match &self.key {
            None => self.exists,
            Some(k) if k != &taint.key => false,
            Some(_) => self.exists || self.value == taint.value,
        }
    }
}

/// Well-known taint keys.
pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
pub const NOT_READY: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toleration_matching() {
        let cp = Taint::new("node-role.kubernetes.io/control-plane", Effect::NoSchedule);
        assert!(
            Toleration::exists("node-role.kubernetes.io/control-plane", Some(Effect::NoSchedule), None).tolerates(&cp)
        );
        assert!(
            !Toleration::exists("node-role.kubernetes.io/control-plane", Some(Effect::NoExecute), None).tolerates(&cp)
        );
        let all = Toleration {
            key: None,
            exists: true,
            value: String::new(),
            effect: None,
            seconds: None,
        };
        assert!(all.tolerates(&cp));
        let eq = Toleration {
            key: Some("k".into()),
            exists: false,
            value: "v".into(),
            effect: None,
            seconds: None,
        };
        assert!(eq.tolerates(&Taint::parse("k=v:NoSchedule").unwrap()));
        assert!(!eq.tolerates(&Taint::parse("k=w:NoSchedule").unwrap()));
        assert!(Taint::parse("k=v").is_err());
        assert_eq!(Taint::parse("k:NoExecute").unwrap().to_string(), "k:NoExecute");
    }
}
