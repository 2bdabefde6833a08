use actix_web::{HttpResponse, http::StatusCode};
use serde_json::json;

/// An error response shaped like a GraphQL response, so clients handle every refusal the same
/// way: `{"errors":[{"message":…,"extensions":{"code":…}}]}`.
pub fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .json(json!({ "errors": [{ "message": message, "extensions": { "code": code } }] }))
}
