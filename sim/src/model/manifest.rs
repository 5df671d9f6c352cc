//! Real Kubernetes manifests (k8s-openapi types) accepted in scenarios, and their reduction
//! to the model's pod templates.

use crate::model::pdb::UnhealthyPodEvictionPolicy;
use crate::model::quantity::{parse_cpu_milli, parse_memory_bytes};
use crate::model::*;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod as ApiPod, PodSpec, PodTemplateSpec};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::sync::Arc;

/// An object with the `apiVersion` it was written in (`extensions/v1beta1`, `policy/v1beta1`,
/// …), decoded into the current version's type. It reads as the object itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned<T> {
    pub api_version: String,
    pub object: T,
}

impl<T> std::ops::Deref for Versioned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.object
    }
}

impl<T> std::ops::DerefMut for Versioned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.object
    }
}

/// One manifest of a scenario's `workloads:` list (or of a file `kubectl apply` reads).
#[derive(Clone, Debug, PartialEq)]
pub enum Manifest {
    Deployment(Box<Versioned<Deployment>>),
    ReplicaSet(Box<Versioned<ReplicaSet>>),
    StatefulSet(Box<Versioned<StatefulSet>>),
    DaemonSet(Box<Versioned<DaemonSet>>),
    Job(Box<Versioned<Job>>),
    Pod(Box<Versioned<ApiPod>>),
    PodDisruptionBudget(Box<Versioned<PodDisruptionBudget>>),
}

/// The kinds a scenario may contain, with the apiVersion each must use.
pub const SUPPORTED_KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("v1", "Pod"),
    ("policy/v1", "PodDisruptionBudget"),
];

/// The group/versions some release between 1.7 and 1.36 served a kind at.
fn known_versions(kind: &str) -> Vec<String> {
    let mut v: Vec<String> = crate::release::api::RESOURCES
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| s.group_version())
        .collect();
    v.dedup();
    v
}

/// What the API server's defaulting did for the beta workload versions: a missing selector
/// is the template's labels (apps/v1 requires it).
fn default_beta_selector(value: &mut serde_json::Value) {
    let labels = value
        .pointer("/spec/template/metadata/labels")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(spec) = value.get_mut("spec").and_then(serde_json::Value::as_object_mut)
        && !spec.contains_key("selector")
    {
        spec.insert("selector".into(), serde_json::json!({"matchLabels": labels}));
    }
}

impl Manifest {
    /// The `apiVersion` the manifest was written in.
    pub fn api_version(&self) -> &str {
        match self {
            Self::Deployment(o) => &o.api_version,
            Self::ReplicaSet(o) => &o.api_version,
            Self::StatefulSet(o) => &o.api_version,
            Self::DaemonSet(o) => &o.api_version,
            Self::Job(o) => &o.api_version,
            Self::Pod(o) => &o.api_version,
            Self::PodDisruptionBudget(o) => &o.api_version,
        }
    }

    /// Builds a manifest from a parsed JSON/YAML value, refusing unknown kinds by name and
    /// group/versions no release served the kind at (which ones a given cluster serves is
    /// checked when the cluster is built, or by kubectl against its discovery).
    pub fn from_value(mut value: serde_json::Value) -> Result<Self, ManifestError> {
        let api_version = value
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let kind = value
            .get("kind")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        if kind.is_empty() {
            return Err(ManifestError::NoKind);
        }
        if api_version.is_empty() {
            return Err(ManifestError::NoApiVersion { kind });
        }
        let known = known_versions(&kind);
        if SUPPORTED_KINDS.iter().any(|(_, k)| *k == kind) && !known.contains(&api_version) {
            let expected = SUPPORTED_KINDS.iter().find(|(_, k)| *k == kind).map_or("", |(v, _)| *v);
            return Err(ManifestError::NoMatch {
                kind,
                api_version,
                expected,
            });
        }
        let decoded = |source: serde_json::Error| ManifestError::Decode {
            kind: kind.clone(),
            source,
        };
        if matches!(kind.as_str(), "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
            && api_version != "apps/v1"
        {
            default_beta_selector(&mut value);
        }
        fn boxed<T: serde::de::DeserializeOwned>(
            api_version: &str,
            value: serde_json::Value,
        ) -> Result<Box<Versioned<T>>, serde_json::Error> {
            Ok(Box::new(Versioned {
                api_version: api_version.to_string(),
                object: serde_json::from_value(value)?,
            }))
        }
        let av = api_version.as_str();
        // The object decodes as the current version (what the API server converts it to).
        if let Some((canonical, _)) = SUPPORTED_KINDS.iter().find(|(_, k)| *k == kind)
            && let Some(o) = value.as_object_mut()
        {
            o.insert("apiVersion".into(), serde_json::Value::String((*canonical).to_string()));
        }
        let m = match kind.as_str() {
            "Deployment" => Self::Deployment(boxed(av, value).map_err(decoded)?),
            "ReplicaSet" => Self::ReplicaSet(boxed(av, value).map_err(decoded)?),
            "StatefulSet" => Self::StatefulSet(boxed(av, value).map_err(decoded)?),
            "DaemonSet" => Self::DaemonSet(boxed(av, value).map_err(decoded)?),
            "Job" => Self::Job(boxed(av, value).map_err(decoded)?),
            "Pod" => Self::Pod(boxed(av, value).map_err(decoded)?),
            "PodDisruptionBudget" => Self::PodDisruptionBudget(boxed(av, value).map_err(decoded)?),
            other => return Err(ManifestError::UnknownKind(other.to_string())),
        };
        m.validate().map_err(ManifestError::Invalid)?;
        Ok(m)
    }

    /// The object as JSON in the current version (what the API server converts it to; the
    /// `apiVersion` it was written in is [`Self::api_version`]).
    pub fn to_json(&self) -> serde_json::Value {
        let json = match self {
            Self::Deployment(o) => serde_json::to_value(&o.object),
            Self::ReplicaSet(o) => serde_json::to_value(&o.object),
            Self::StatefulSet(o) => serde_json::to_value(&o.object),
            Self::DaemonSet(o) => serde_json::to_value(&o.object),
            Self::Job(o) => serde_json::to_value(&o.object),
            Self::Pod(o) => serde_json::to_value(&o.object),
            Self::PodDisruptionBudget(o) => serde_json::to_value(&o.object),
        };
        // k8s-openapi's objects always serialize; Null keeps the signature infallible.
        json.unwrap_or(serde_json::Value::Null)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Deployment(_) => "Deployment",
            Self::ReplicaSet(_) => "ReplicaSet",
            Self::StatefulSet(_) => "StatefulSet",
            Self::DaemonSet(_) => "DaemonSet",
            Self::Job(_) => "Job",
            Self::Pod(_) => "Pod",
            Self::PodDisruptionBudget(_) => "PodDisruptionBudget",
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::Deployment(o) => &o.metadata,
            Self::ReplicaSet(o) => &o.metadata,
            Self::StatefulSet(o) => &o.metadata,
            Self::DaemonSet(o) => &o.metadata,
            Self::Job(o) => &o.metadata,
            Self::Pod(o) => &o.metadata,
            Self::PodDisruptionBudget(o) => &o.metadata,
        }
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.metadata().namespace.as_deref().unwrap_or("default")
    }

    /// What the API server's validation would refuse, checked before anything is created.
    fn validate(&self) -> Result<(), String> {
        let kind = self.kind();
        let name = self.name();
        if name.is_empty() {
            return Err(format!("{kind}: metadata.name: Required value: name is required"));
        }
        if !is_dns_subdomain(name) {
            return Err(format!(
                "{kind} \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ));
        }
        let own_labels = validation::labels("metadata.labels", self.metadata().labels.iter().flatten());
        if !own_labels.is_empty() {
            return Err(format!(
                "{kind} \"{name}\" is invalid: {}",
                validation::aggregate(&own_labels)
            ));
        }
        let check_template = |t: &PodTemplateSpec, selector_labels: Option<&Selector>| -> Result<(), String> {
            let labels = t.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
            let bad = validation::labels("spec.template.metadata.labels", &labels);
            if !bad.is_empty() {
                return Err(format!("{kind} \"{name}\" is invalid: {}", validation::aggregate(&bad)));
            }
            if let Some(sel) = selector_labels
                && !sel.matches(&labels)
            {
                return Err(format!(
                    "{kind} \"{name}\" is invalid: spec.template.metadata.labels: Invalid value: {:?}: `selector` does not match template `labels`",
                    labels
                ));
            }
            let spec = t
                .spec
                .as_ref()
                .ok_or_else(|| format!("{kind} \"{name}\" is invalid: spec.template.spec: Required value"))?;
            template_from_spec(spec, &labels, &Labels::new(), kind == "Job").map(|_| ())
        };
        let selector = |s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
            Selector::from_api(s).map_err(|e| format!("{kind} \"{name}\" is invalid: spec.selector: {e}"))
        };
        match self {
            Self::Deployment(d) => check_template(&d.spec.template, Some(&selector(&d.spec.selector)?)),
            Self::ReplicaSet(r) => {
                let t = r
                    .spec
                    .template
                    .as_ref()
                    .ok_or_else(|| format!("{kind} \"{name}\" is invalid: spec.template: Required value"))?;
                check_template(t, Some(&selector(&r.spec.selector)?))
            }
            Self::StatefulSet(s) => check_template(&s.spec.template, Some(&selector(&s.spec.selector)?)),
            Self::DaemonSet(d) => check_template(&d.spec.template, Some(&selector(&d.spec.selector)?)),
            Self::Job(j) => {
                let spec = j
                    .spec
                    .as_ref()
                    .ok_or_else(|| format!("{kind} \"{name}\" is invalid: spec: Required value"))?;
                check_template(&spec.template, None)
            }
            Self::Pod(p) => {
                let spec = p
                    .spec
                    .as_ref()
                    .ok_or_else(|| format!("Pod \"{name}\" is invalid: spec: Required value"))?;
                template_from_spec(spec, &Labels::new(), &Labels::new(), false).map(|_| ())
            }
            Self::PodDisruptionBudget(p) => pdb_from_manifest(p, Arc::from(""), crate::time::SimTime::ZERO).map(|_| ()),
        }
    }
}

impl<'de> Deserialize<'de> for Manifest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        Self::from_value(value).map_err(D::Error::custom)
    }
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

fn annotation_seconds(annotations: &Labels, key: &str, default: f64) -> Result<u64, String> {
    match annotations.get(key) {
        None => Ok((default * 1000.0) as u64),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| (s * 1000.0) as u64)
            .ok_or_else(|| format!("annotation {key}: {v:?} is not a number of seconds")),
    }
}

/// Annotations kubedrill reads on pod templates to set virtual timings.
pub const START_SECONDS: &str = "kubedrill.io/start-seconds";
pub const STOP_SECONDS: &str = "kubedrill.io/stop-seconds";
pub const RUN_SECONDS: &str = "kubedrill.io/run-seconds";

/// Reduces a pod spec to what the model acts on.
pub fn template_from_spec(
    spec: &PodSpec,
    labels: &Labels,
    annotations: &Labels,
    is_job: bool,
) -> Result<PodTemplate, String> {
    if spec.containers.is_empty() {
        return Err("spec.containers: Required value".to_string());
    }
    let mut requests = Resources::default();
    for c in &spec.containers {
        if c.name.is_empty() {
            return Err("spec.containers[].name: Required value".to_string());
        }
        for (res, q) in c
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .into_iter()
            .flatten()
        {
            match res.as_str() {
                "cpu" => {
                    requests.cpu_milli += parse_cpu_milli(&q.0).map_err(|e| format!("container {:?}: {e}", c.name))?
                }
                "memory" => {
                    requests.memory += parse_memory_bytes(&q.0).map_err(|e| format!("container {:?}: {e}", c.name))?
                }
                _ => {}
            }
        }
    }
    let tolerations = spec
        .tolerations
        .iter()
        .flatten()
        .map(Toleration::from_api)
        .collect::<Result<Vec<_>, _>>()?;
    let has_empty_dir = spec.volumes.iter().flatten().any(|v| v.empty_dir.is_some());
    let grace = spec.termination_grace_period_seconds.unwrap_or(30);
    if grace < 0 {
        return Err("spec.terminationGracePeriodSeconds: must be greater than or equal to 0".to_string());
    }
    let restart_policy = match spec.restart_policy.as_deref() {
        None if is_job => {
            return Err(
                "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"".into(),
            );
        }
        None | Some("Always") if !is_job => "Always",
        Some("OnFailure") => "OnFailure",
        Some("Never") => "Never",
        Some("Always") => {
            return Err("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"".into());
        }
        Some(other) => return Err(format!("spec.restartPolicy: Unsupported value: {other:?}")),
        None => "Always",
    };
    let tolerates_unschedulable = tolerations
        .iter()
        .any(|t| t.tolerates(&Taint::new(taint::UNSCHEDULABLE, Effect::NoSchedule)));
    Ok(PodTemplate {
        labels: labels.clone(),
        annotations: annotations.clone(),
        tolerates_unschedulable,
        container_names: spec.containers.iter().map(|c| c.name.clone()).collect(),
        requests,
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        tolerations,
        has_empty_dir,
        node_name: spec.node_name.clone().filter(|n| !n.is_empty()),
        grace_seconds: grace as u64,
        start_ms: annotation_seconds(annotations, START_SECONDS, 2.0)?,
        stop_ms: annotation_seconds(annotations, STOP_SECONDS, 1.0)?,
        run_ms: annotation_seconds(annotations, RUN_SECONDS, 60.0)?,
        restart_policy,
        spec: Arc::new(spec.clone()),
    })
}

/// The template of a controller's `spec.template`.
pub fn template_from(t: &PodTemplateSpec, is_job: bool) -> Result<PodTemplate, ManifestError> {
    let meta = t.metadata.clone().unwrap_or_default();
    let labels = meta.labels.unwrap_or_default();
    let annotations = meta.annotations.unwrap_or_default();
    let spec = t
        .spec
        .as_ref()
        .ok_or_else(|| ManifestError::Invalid("spec.template.spec: Required value".into()))?;
    template_from_spec(spec, &labels, &annotations, is_job).map_err(ManifestError::Invalid)
}

/// Why a manifest is refused: what the API server (or the decoding before it) would say.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest has no `kind`")]
    NoKind,
    #[error("{kind} manifest has no `apiVersion`")]
    NoApiVersion { kind: String },
    #[error("no matches for kind \"{kind}\" in version \"{api_version}\" (use apiVersion: {expected})")]
    NoMatch {
        kind: String,
        api_version: String,
        expected: &'static str,
    },
    #[error("{kind}: {source}")]
    Decode {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("unknown manifest kind {0:?}: supported kinds are {kinds}", kinds = supported_kind_names())]
    UnknownKind(String),
    /// The API server's validation message (`Kind "name" is invalid: field: ...`).
    #[error("{0}")]
    Invalid(String),
}

crate::errors::error_text!(ManifestError);

fn supported_kind_names() -> String {
    SUPPORTED_KINDS.iter().map(|(_, k)| *k).collect::<Vec<_>>().join(", ")
}

fn int_or_percent(v: &IntOrString, field: &str) -> Result<IntOrPercent, String> {
    match v {
        IntOrString::Int(n) if *n >= 0 => Ok(IntOrPercent::Int(*n as u32)),
        IntOrString::Int(n) => Err(format!("spec.{field}: Invalid value: {n}: must be greater than or equal to 0")),
        IntOrString::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p <= 100)
            .map(IntOrPercent::Percent)
            .ok_or_else(|| format!("spec.{field}: Invalid value: {s:?}: a valid percent string must be a numeric string followed by an ending '%' (0-100)")),
    }
}

/// A budget from its manifest. The empty selector is where the versions differ: in
/// `policy/v1beta1` it selects no pod, in `policy/v1` every pod of the namespace.
pub fn pdb_from_manifest(
    p: &Versioned<PodDisruptionBudget>,
    namespace: Arc<str>,
    now: crate::time::SimTime,
) -> Result<Pdb, String> {
    let empty_selects_all = p.api_version != "policy/v1beta1";
    let name = p.metadata.name.clone().unwrap_or_default();
    let invalid = |e: String| format!("PodDisruptionBudget \"{name}\" is invalid: {e}");
    let spec = p.spec.clone().unwrap_or_default();
    let min_available = spec
        .min_available
        .as_ref()
        .map(|v| int_or_percent(v, "minAvailable"))
        .transpose()
        .map_err(invalid)?;
    let max_unavailable = spec
        .max_unavailable
        .as_ref()
        .map(|v| int_or_percent(v, "maxUnavailable"))
        .transpose()
        .map_err(invalid)?;
    if min_available.is_some() && max_unavailable.is_some() {
        return Err(invalid(
            "spec: Invalid value: minAvailable and maxUnavailable cannot be both set".into(),
        ));
    }
    let selector = match &spec.selector {
        Some(s) => {
            let sel = Selector::from_api(s).map_err(|e| invalid(format!("spec.selector: {e}")))?;
            (empty_selects_all || !sel.is_empty()).then_some(sel)
        }
        None => None,
    };
    let unhealthy_policy = match spec.unhealthy_pod_eviction_policy.as_deref() {
        None | Some("IfHealthyBudget") => UnhealthyPodEvictionPolicy::IfHealthyBudget,
        Some("AlwaysAllow") => UnhealthyPodEvictionPolicy::AlwaysAllow,
        Some(other) => {
            return Err(invalid(format!(
                "spec.unhealthyPodEvictionPolicy: Unsupported value: {other:?}: supported values: \"AlwaysAllow\", \"IfHealthyBudget\""
            )));
        }
    };
    Ok(Pdb {
        namespace,
        name: Arc::from(name.as_str()),
        selector,
        min_available,
        max_unavailable,
        unhealthy_policy,
        created_at: now,
        matching: 0,
        healthy: 0,
        owners: Default::default(),
        deleted: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_kinds_and_groups_are_refused() {
        let e = Manifest::from_value(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}))
            .unwrap_err();
        assert!(matches!(&e, ManifestError::UnknownKind(k) if k == "Service"), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("unknown manifest kind \"Service\": supported kinds are Deployment, "),
            "{e}"
        );
        let e = Manifest::from_value(json!({"apiVersion": "apps/v2", "kind": "Deployment", "metadata": {"name": "x"}}))
            .unwrap_err();
        assert!(
            matches!(
                &e,
                ManifestError::NoMatch {
                    expected: "apps/v1",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn beta_workloads_decode_with_their_selector_defaulted() {
        // extensions/v1beta1 and apps/v1beta1 defaulted spec.selector from the template's
        // labels; apps/v1 requires it.
        let d = json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        let m = Manifest::from_value(d).unwrap();
        assert_eq!(m.api_version(), "extensions/v1beta1");
        let Manifest::Deployment(d) = m else { panic!() };
        assert_eq!(
            d.spec
                .selector
                .match_labels
                .as_ref()
                .and_then(|l| l.get("app"))
                .map(String::as_str),
            Some("web")
        );
    }

    #[test]
    fn an_empty_pdb_selector_selects_all_in_v1_and_nothing_in_v1beta1() {
        // The disruption controller's tests (TestNoSelector) and the policy/v1 API change.
        for (version, selects) in [("policy/v1", true), ("policy/v1beta1", false)] {
            let p = json!({"apiVersion": version, "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
                "spec": {"minAvailable": 1, "selector": {}}});
            let Manifest::PodDisruptionBudget(p) = Manifest::from_value(p).unwrap() else {
                panic!()
            };
            let pdb = pdb_from_manifest(&p, Arc::from("default"), crate::time::SimTime::ZERO).unwrap();
            assert_eq!(pdb.selector.is_some(), selects, "{version}");
        }
    }

    #[test]
    fn deployment_selector_must_match_template() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "other"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        let e = Manifest::from_value(d).unwrap_err();
        assert!(
            matches!(&e, ManifestError::Invalid(m) if m.contains("does not match template")),
            "{e:?}"
        );
    }

    #[test]
    fn pdb_percentages_parse_and_round_up() {
        let p = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
            "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}});
        let Manifest::PodDisruptionBudget(p) = Manifest::from_value(p).unwrap() else {
            panic!()
        };
        let pdb = pdb_from_manifest(&p, Arc::from("default"), crate::time::SimTime::ZERO).unwrap();
        assert_eq!(pdb.min_available.unwrap().scaled_up(7), 4);
        assert_eq!(IntOrPercent::Percent(25).scaled_up(10), 3);
        let both = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
            "spec": {"minAvailable": 1, "maxUnavailable": 1}});
        assert!(Manifest::from_value(both).is_err());
    }
}
