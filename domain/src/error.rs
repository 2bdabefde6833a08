//! The one error type of the domain. Each variant maps to one public error code; the API layer
//! decides what a client sees, so variants carry what a user can act on and keep internal causes
//! (database errors) separate so they can be logged and never sent.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One rejected input field: `path` names it the way the client sent it
/// (`attributes.language`, `externalIds.0.value`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error, nested one level deeper (`attributes` + `language`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required")]
    Unauthenticated,

    #[error("the role {role} may not {action}")]
    Forbidden { role: String, action: String },

    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },

    #[error("invalid input: {}", summarize(.0))]
    Invalid(Vec<FieldError>),

    /// The caller's `expectedRevision` is stale: someone else changed the fact sheet first.
    #[error("fact sheet {id} is at revision {actual}, not {expected}")]
    StaleRevision {
        id: String,
        expected: i32,
        actual: i32,
    },

    /// The change would invalidate stored data; `affected` says how much, so an admin can
    /// decide whether to force it.
    #[error("{message}")]
    Conflict {
        message: String,
        affected_fact_sheets: Option<u64>,
    },

    #[error("{0}")]
    LimitExceeded(String),

    /// The workspace's edition or its operator switched the feature off.
    #[error("the feature {feature} is not enabled for this workspace")]
    FeatureDisabled { feature: String },

    /// A quota of the workspace is used up (fact sheets, events per day).
    #[error("the workspace's quota for {feature} ({quota}) is used up")]
    QuotaExhausted { feature: String, quota: i64 },

    #[error("database error")]
    Database(#[from] sea_orm::DbErr),

    #[error("internal error: {0}")]
    Internal(String),
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(path, message)])
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            affected_fact_sheets: None,
        }
    }

    /// Turns a list of field errors into `Err` when it is not empty.
    pub fn check(errors: Vec<FieldError>) -> Result<()> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::Invalid(errors))
        }
    }
}
