//! Request bodies kubectl 1.32+ sends as Kubernetes protobuf (`application/vnd.kubernetes.protobuf`):
//! the `k8s\0` magic, then a `runtime.Unknown` envelope whose `raw` holds the object. Only the
//! messages and fields kubectl sends are declared (DeleteOptions, Eviction, Deployment); prost
//! skips the rest. Field numbers are those of the upstream `generated.proto` files.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use prost::Message;
use std::collections::BTreeMap;

const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, PartialEq, Message)]
struct Unknown {
    #[prost(message, optional, tag = "1")]
    type_meta: Option<TypeMeta>,
    #[prost(bytes = "vec", optional, tag = "2")]
    raw: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, Message)]
struct TypeMeta {
    #[prost(string, optional, tag = "1")]
    api_version: Option<String>,
    #[prost(string, optional, tag = "2")]
    kind: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct DeleteOptions {
    #[prost(int64, optional, tag = "1")]
    pub grace_period_seconds: Option<i64>,
    #[prost(string, optional, tag = "4")]
    pub propagation_policy: Option<String>,
    #[prost(string, repeated, tag = "5")]
    pub dry_run: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
struct Meta {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "3")]
    namespace: Option<String>,
    #[prost(btree_map = "string, string", tag = "11")]
    labels: BTreeMap<String, String>,
    #[prost(btree_map = "string, string", tag = "12")]
    annotations: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Message)]
struct Eviction {
    #[prost(message, optional, tag = "1")]
    metadata: Option<Meta>,
    #[prost(message, optional, tag = "2")]
    delete_options: Option<DeleteOptions>,
}

#[derive(Clone, PartialEq, Message)]
struct Deployment {
    #[prost(message, optional, tag = "1")]
    metadata: Option<Meta>,
    #[prost(message, optional, tag = "2")]
    spec: Option<DeploymentSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct DeploymentSpec {
    #[prost(int32, optional, tag = "1")]
    replicas: Option<i32>,
    #[prost(message, optional, tag = "2")]
    selector: Option<Selector>,
    #[prost(message, optional, tag = "3")]
    template: Option<PodTemplateSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct Selector {
    #[prost(btree_map = "string, string", tag = "1")]
    match_labels: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Message)]
struct PodTemplateSpec {
    #[prost(message, optional, tag = "1")]
    metadata: Option<Meta>,
    #[prost(message, optional, tag = "2")]
    spec: Option<PodSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct PodSpec {
    #[prost(message, repeated, tag = "2")]
    containers: Vec<Container>,
    #[prost(int64, optional, tag = "4")]
    termination_grace_period_seconds: Option<i64>,
    #[prost(btree_map = "string, string", tag = "7")]
    node_selector: BTreeMap<String, String>,
}

#[derive(Clone, PartialEq, Message)]
struct Container {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    image: Option<String>,
    #[prost(string, repeated, tag = "3")]
    command: Vec<String>,
    #[prost(message, repeated, tag = "6")]
    ports: Vec<ContainerPort>,
}

#[derive(Clone, PartialEq, Message)]
struct ContainerPort {
    #[prost(int32, optional, tag = "3")]
    container_port: Option<i32>,
    #[prost(string, optional, tag = "4")]
    protocol: Option<String>,
}

/// Whether a Content-Type names Kubernetes protobuf.
pub fn is_protobuf(content_type: &str) -> bool {
    content_type.trim().starts_with("application/vnd.kubernetes.protobuf")
}

/// A protobuf request body that does not decode; the endpoint answers it with a 400.
#[derive(Debug, thiserror::Error)]
pub enum ProtobufError {
    #[error("the protobuf body does not start with the k8s magic bytes")]
    NoMagic,
    #[error("the protobuf envelope does not decode: {0}")]
    Envelope(#[source] prost::DecodeError),
    #[error("{kind}: {source}")]
    Object {
        kind: &'static str,
        #[source]
        source: prost::DecodeError,
    },
}

impl From<ProtobufError> for String {
    fn from(e: ProtobufError) -> Self {
        e.to_string()
    }
}

/// The object bytes inside the envelope.
fn unwrap(body: &[u8]) -> Result<Vec<u8>, ProtobufError> {
    let rest = body.strip_prefix(MAGIC).ok_or(ProtobufError::NoMagic)?;
    let u = Unknown::decode(rest).map_err(ProtobufError::Envelope)?;
    Ok(u.raw.unwrap_or_default())
}

fn object(kind: &'static str) -> impl Fn(prost::DecodeError) -> ProtobufError {
    move |source| ProtobufError::Object { kind, source }
}

pub fn delete_options(body: &[u8]) -> Result<DeleteOptions, ProtobufError> {
    DeleteOptions::decode(unwrap(body)?.as_slice()).map_err(object("DeleteOptions"))
}

/// An Eviction's delete options (its name and namespace are the path's).
pub fn eviction(body: &[u8]) -> Result<Option<DeleteOptions>, ProtobufError> {
    let e = Eviction::decode(unwrap(body)?.as_slice()).map_err(object("Eviction"))?;
    Ok(e.delete_options)
}

fn meta(m: Option<Meta>) -> ObjectMeta {
    let m = m.unwrap_or_default();
    ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        labels: (!m.labels.is_empty()).then_some(m.labels),
        annotations: (!m.annotations.is_empty()).then_some(m.annotations),
        ..Default::default()
    }
}

pub fn deployment(body: &[u8]) -> Result<apps::Deployment, ProtobufError> {
    let d = Deployment::decode(unwrap(body)?.as_slice()).map_err(object("Deployment"))?;
    let spec = d.spec.unwrap_or_default();
    let template = spec.template.unwrap_or_default();
    let pod_spec = template.spec.unwrap_or_default();
    Ok(apps::Deployment {
        metadata: meta(d.metadata),
        spec: apps::DeploymentSpec {
            replicas: spec.replicas,
            selector: LabelSelector {
                match_labels: spec.selector.map(|s| s.match_labels),
                ..Default::default()
            },
            template: core::PodTemplateSpec {
                metadata: Some(meta(template.metadata)),
                spec: Some(core::PodSpec {
                    containers: pod_spec
                        .containers
                        .into_iter()
                        .map(|c| core::Container {
                            name: c.name.unwrap_or_default(),
                            image: c.image,
                            command: (!c.command.is_empty()).then_some(c.command),
                            ports: (!c.ports.is_empty()).then(|| {
                                c.ports
                                    .into_iter()
                                    .map(|p| core::ContainerPort {
                                        container_port: p.container_port.unwrap_or_default(),
                                        protocol: p.protocol,
                                        ..Default::default()
                                    })
                                    .collect()
                            }),
                            ..Default::default()
                        })
                        .collect(),
                    termination_grace_period_seconds: pod_spec.termination_grace_period_seconds,
                    node_selector: (!pod_spec.node_selector.is_empty()).then_some(pod_spec.node_selector),
                    ..Default::default()
                }),
            },
            ..Default::default()
        },
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(raw: Vec<u8>) -> Vec<u8> {
        let mut body = MAGIC.to_vec();
        Unknown {
            type_meta: Some(TypeMeta {
                api_version: Some("v1".into()),
                kind: Some("DeleteOptions".into()),
            }),
            raw: Some(raw),
        }
        .encode(&mut body)
        .expect("encodes");
        body
    }

    #[test]
    fn delete_options_grace_period_and_dry_run_decode() {
        let raw = DeleteOptions {
            grace_period_seconds: Some(7),
            propagation_policy: None,
            dry_run: vec!["All".into()],
        }
        .encode_to_vec();
        let d = delete_options(&envelope(raw)).expect("decodes");
        assert_eq!(d.grace_period_seconds, Some(7));
        assert_eq!(d.dry_run, vec!["All".to_string()]);
        assert!(delete_options(b"{}").is_err(), "JSON is not protobuf");
    }
}
