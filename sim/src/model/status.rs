//! The API server's error answers (`metav1.Status`): what a client of the Kubernetes API gets
//! back when a request is refused.

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

/// An error answer of the simulated API server: the HTTP code and the Status message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `404 NotFound`: `pods "web-1" not found`.
    pub fn not_found(resource: &str, name: &str) -> Self {
        Self::new(404, format!("{resource} \"{name}\" not found"))
    }

    /// `409 AlreadyExists`: `deployments.apps "web" already exists`.
    pub fn already_exists(resource: &str, name: &str) -> Self {
        Self::new(409, format!("{resource} \"{name}\" already exists"))
    }

    /// `422 Invalid`: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...`.
    pub fn invalid(kind: &str, name: &str, causes: &str) -> Self {
        Self::new(422, format!("{kind} \"{name}\" is invalid: {causes}"))
    }

    /// The Status reason the API server sends with this code (apimachinery's `StatusReason`).
    pub fn reason(&self) -> &'static str {
        match self.code {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            406 => "NotAcceptable",
            409 if self.message.contains("already exists") => "AlreadyExists",
            409 => "Conflict",
            410 => "Expired",
            415 => "UnsupportedMediaType",
            422 => "Invalid",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            _ => "InternalError",
        }
    }

    /// The whole `Status` object, as the API server serves it in a response body.
    pub fn to_status(&self) -> meta::Status {
        let details = (self.code == 429 && self.message.contains("disruption budget")).then(|| meta::StatusDetails {
            causes: Some(vec![meta::StatusCause {
                reason: Some("DisruptionBudget".into()),
                message: Some(self.message.clone()),
                field: None,
            }]),
            ..Default::default()
        });
        meta::Status {
            code: Some(i32::from(self.code)),
            message: Some(self.message.clone()),
            reason: Some(self.reason().into()),
            status: Some("Failure".into()),
            details,
            metadata: meta::ListMeta::default(),
        }
    }
}

/// Why a request never got an answer from the API server.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    /// The API server runs but etcd cannot commit: requests time out inside it (7 s).
    #[error("etcdserver: request timed out")]
    Timeout,
    /// No API server listens (crash-looping after its liveness probe failed, or never started).
    #[error("The connection to the server {endpoint}:6443 was refused - did you specify the right host or port?")]
    Refused { endpoint: String },
}

/// Who deleted a pod, which decides the invariants it may break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteCause {
    /// The Eviction API (kubectl drain's default).
    Eviction,
    /// A plain DELETE from `kubectl drain --disable-eviction`.
    DrainDelete,
    /// The taint manager or the old node controller, after a node was lost.
    NodeLost,
    /// A person deleting it deliberately.
    User,
    /// A controller replacing the pod with one from its new template.
    Rollout,
}

impl DeleteCause {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eviction => "eviction",
            Self::DrainDelete => "drain",
            Self::NodeLost => "node-lifecycle",
            Self::User => "user",
            Self::Rollout => "rollout",
        }
    }
}
