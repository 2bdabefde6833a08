//! What a client is told when its request fails, and the one mapping from a domain error to it.
//!
//! GraphQL sends it as an error with `extensions`; every HTTP endpoint sends it as a response
//! shaped like a GraphQL one, so clients handle every refusal the same way. When the server
//! itself failed, the cause is logged with an incident id and the client gets only the id.

use actix_web::{HttpResponse, http::StatusCode};
use async_graphql::{ErrorExtensionValues, Name, Value, indexmap::IndexMap};
use serde_json::json;
use uuid::Uuid;

use crate::error_code::ErrorCode;

/// An error as its client sees it: a code, a message safe to show, and the code's details.
#[derive(Debug)]
pub struct ClientError {
    code: ErrorCode,
    message: String,
    /// `extensions` beside the code, such as the offending field or the stale revision.
    details: Vec<(&'static str, Value)>,
    /// The HTTP status, the code's own unless the refusal asks for a more precise one.
    status: StatusCode,
}

impl ClientError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: Vec::new(),
            status: code.status(),
        }
    }

    pub fn with_detail(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.details.push((key, value.into()));
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Answers over HTTP with `status` instead of the code's own.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The server failed: `detail` is logged with a new incident id, which is all the client
    /// gets, to quote to support.
    pub fn incident(detail: &str) -> Self {
        let incident = Uuid::now_v7();
        tracing::error!(%incident, detail, "internal error");
        Self::new(
            ErrorCode::Internal,
            format!("internal error (incident {incident})"),
        )
    }

    /// A domain error of a step a client may simply try again (authenticating, rate limiting,
    /// opening the workspace, exchanging an API token): a refusal as [`refusal`](Self::refusal)
    /// makes it; a failure, the store out of reach, as a 503 with the cause logged.
    pub fn retryable(while_doing: &str, error: domain::Error) -> Self {
        Self::refusal(error).unwrap_or_else(|failure| {
            tracing::error!(error = ?failure, "{while_doing}: database error");
            Self::new(
                ErrorCode::Internal,
                "the service is temporarily unavailable",
            )
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
        })
    }

    /// The one mapping of a domain error: a refusal (the caller's or its input's fault) becomes
    /// its code, message and details; a failure of the server (the database, a broken
    /// invariant) comes back as `Err`, for the caller to report as an [`incident`](Self::incident)
    /// (what `From` does) or as [`retryable`](Self::retryable).
    pub fn refusal(error: domain::Error) -> Result<Self, domain::Error> {
        use domain::Error as E;
        let message = error.to_string();
        let refusal = |code| Self::new(code, message.clone());
        Ok(match error {
            E::Unauthenticated => refusal(ErrorCode::Unauthenticated),
            E::Forbidden { .. } => refusal(ErrorCode::Forbidden),
            E::NotFound { .. } => refusal(ErrorCode::NotFound),
            E::Invalid(fields) => {
                let mut invalid = refusal(ErrorCode::BadUserInput);
                if let Some(first) = fields.first() {
                    invalid = invalid.with_detail("field", first.path.clone());
                }
                let list: Vec<Value> = fields
                    .into_iter()
                    .map(|f| {
                        Value::Object(IndexMap::from([
                            (Name::new("path"), Value::from(f.path)),
                            (Name::new("message"), Value::from(f.message)),
                        ]))
                    })
                    .collect();
                invalid.with_detail("fields", list)
            }
            E::StaleRevision {
                expected, actual, ..
            } => refusal(ErrorCode::Conflict)
                .with_detail("expectedRevision", expected)
                .with_detail("actualRevision", actual),
            E::Conflict {
                affected_fact_sheets,
                ..
            } => match affected_fact_sheets {
                Some(n) => refusal(ErrorCode::Conflict).with_detail("affectedFactSheets", n),
                None => refusal(ErrorCode::Conflict),
            },
            E::LimitExceeded(_) => refusal(ErrorCode::LimitExceeded),
            E::FeatureDisabled { feature } => {
                refusal(ErrorCode::Forbidden).with_detail("feature", feature)
            }
            E::QuotaExhausted { feature, quota } => refusal(ErrorCode::LimitExceeded)
                .with_detail("feature", feature)
                .with_detail("quota", quota),
            failure @ (E::Database(_) | E::Internal(_)) => return Err(failure),
        })
    }
}

impl From<domain::Error> for ClientError {
    fn from(error: domain::Error) -> Self {
        Self::refusal(error).unwrap_or_else(|failure| {
            let detail = match &failure {
                domain::Error::Database(db) => format!("database: {db}"),
                other => other.to_string(),
            };
            Self::incident(&detail)
        })
    }
}

/// `{"errors":[{"message":…,"extensions":{"code":…,…}}]}` with the error's status.
impl From<ClientError> for HttpResponse {
    fn from(error: ClientError) -> Self {
        let mut extensions = serde_json::Map::new();
        extensions.insert("code".into(), error.code.as_str().into());
        for (key, value) in error.details {
            let value = value.into_json().unwrap_or_default();
            extensions.insert(key.into(), value);
        }
        HttpResponse::build(error.status)
            .json(json!({ "errors": [{ "message": error.message, "extensions": extensions }] }))
    }
}

impl From<ClientError> for async_graphql::Error {
    fn from(error: ClientError) -> Self {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", error.code.as_str());
        for (key, value) in error.details {
            extensions.set(key, value);
        }
        let mut gql = async_graphql::Error::new(error.message);
        gql.extensions = Some(extensions);
        gql
    }
}
