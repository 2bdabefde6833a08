use actix_web::{HttpResponse, http::StatusCode};
use serde_json::json;

/// An error response shaped like a GraphQL response, so clients handle every refusal the same
/// way: `{"errors":[{"message":…,"extensions":{"code":…}}]}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}

/// A refusal because of the workspace's features: FORBIDDEN (403) for a disabled feature,
/// LIMIT_EXCEEDED (429) for a used-up quota, each naming the feature; `None` for other errors.
pub fn feature_refusal(e: &domain::Error) -> Option<HttpResponse> {
    let (status, extensions) = match e {
        domain::Error::FeatureDisabled { feature } => (
            StatusCode::FORBIDDEN,
            json!({ "code": "FORBIDDEN", "feature": feature }),
        ),
        domain::Error::QuotaExhausted { feature, quota } => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "code": "LIMIT_EXCEEDED", "feature": feature, "quota": quota }),
        ),
        _ => return None,
    };
    Some(
        HttpResponse::build(status)
            .json(json!({ "errors": [{ "message": e.to_string(), "extensions": extensions }] })),
    )
}
