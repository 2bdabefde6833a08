//! `POST /auth/token`: exchanges an API token for a short-lived access token, the way LeanIX's
//! technical users do (`Authorization: Basic base64("apitoken:<token>")` with the form body
//! `grant_type=client_credentials`), or with the JSON body `{"token": "<api token>"}`.
//!
//! Integrations hold the long-lived API token; only the short-lived JWT travels with every
//! request. Any problem with the token is a 401 without detail; the reason goes to the
//! `security` log, never the token.

use std::time::Duration;

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::Utc;
use domain::{
    api_tokens::{self, Redemption, RefusalReason},
    security_log::{Audit, Refusal},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    AppState,
    body::{is_json, read_limited},
};
use crate::{client_error::ClientError, error_code::ErrorCode};

/// A token request is a few hundred bytes; anything much larger is not one.
const MAX_BODY_BYTES: usize = 4 * 1024;
/// The Basic user name LeanIX uses for technical users.
const BASIC_USER: &str = "apitoken";

#[derive(Deserialize)]
struct FormBody {
    grant_type: Option<String>,
}

#[derive(Deserialize)]
struct JsonBody {
    token: String,
}

/// What the client presented, before it is checked.
enum Presented {
    Token(String),
    /// Shaped wrongly in a way that says nothing about a token (reported as 401 too).
    Unreadable(&'static str),
    /// A well-formed request for something we do not do (another grant type, another body).
    BadRequest(&'static str),
}

pub async fn exchange(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    // What the headers can refuse is refused before the body is read, so a client without
    // credentials cannot make the server wait for a body.
    let basic = match basic_credentials(&req) {
        Ok(basic) => basic,
        Err(reason) => return refuse(&req, reason, None, None),
    };
    if basic.is_none() && !is_json(&req) {
        return ClientError::new(
            ErrorCode::BadUserInput,
            "send the API token as Basic credentials (user `apitoken`) or as JSON {\"token\": …}",
        )
        .into();
    }
    let body = match read_limited(
        &req,
        payload,
        MAX_BODY_BYTES,
        &state.limits,
        "a token request",
        None,
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let token = match presented(basic, &body) {
        Presented::Token(t) => t,
        Presented::BadRequest(message) => {
            return ClientError::new(ErrorCode::BadUserInput, message).into();
        }
        Presented::Unreadable(reason) => return refuse(&req, reason, None, None),
    };
    let now = Utc::now();
    let outcome = async {
        let tx = state.store.begin_platform_write().await?;
        let outcome = api_tokens::redeem(&*tx, &token, now).await?;
        if matches!(outcome, Redemption::Granted(_)) {
            tx.commit().await?;
        }
        Ok::<_, domain::Error>(outcome)
    }
    .await;
    let grant = match outcome {
        Ok(Redemption::Granted(grant)) => grant,
        Ok(Redemption::Refused {
            reason,
            workspace,
            token_id,
        }) => return refuse(&req, reason.as_str(), workspace, token_id),
        Err(e) => return ClientError::retryable("token exchange", e).into(),
    };
    let remaining = (grant.expires_at - now).num_seconds();
    let ttl = state
        .api_token_jwt_ttl
        .as_secs()
        .min(remaining.max(0) as u64);
    if ttl == 0 {
        return refuse(
            &req,
            RefusalReason::Expired.as_str(),
            Some(grant.workspace_slug),
            Some(grant.token_id),
        );
    }
    let subject = api_tokens::subject(grant.token_id);
    let access_token = match state.keys.issue(
        &subject,
        &grant.workspace_slug,
        grant.role,
        Duration::from_secs(ttl),
    ) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "token exchange: signing failed");
            return ClientError::new(ErrorCode::Internal, "the token could not be issued").into();
        }
    };
    Audit::new("access token issued", "api token exchanged")
        .by_identity(&grant.workspace_slug, &subject)
        .token_id(grant.token_id)
        .role(grant.role)
        .expires_in(ttl)
        .log();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({ "access_token": access_token, "token_type": "bearer", "expires_in": ttl }))
}

/// The API token of `Authorization: Basic base64("apitoken:<token>")`; `None` without an
/// `Authorization` header (the token is then expected in a JSON body); the refusal's reason
/// when the header is there but is not such credentials.
fn basic_credentials(req: &HttpRequest) -> Result<Option<String>, &'static str> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some(encoded) = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| encoded)
    else {
        return Err("authorization is not Basic");
    };
    let Some(credentials) = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return Err("basic credentials are not base64 text");
    };
    match credentials.split_once(':') {
        Some((BASIC_USER, token)) => Ok(Some(token.to_owned())),
        _ => Err("basic user is not `apitoken`"),
    }
}

/// The token, from the Basic credentials (`basic`) with a client-credentials form body, or
/// else from a JSON body.
fn presented(basic: Option<String>, body: &[u8]) -> Presented {
    if let Some(token) = basic {
        let form: FormBody =
            serde_urlencoded::from_bytes(body).unwrap_or(FormBody { grant_type: None });
        if form.grant_type.as_deref() != Some("client_credentials") {
            return Presented::BadRequest("send grant_type=client_credentials");
        }
        return Presented::Token(token);
    }
    match serde_json::from_slice::<JsonBody>(body) {
        Ok(b) => Presented::Token(b.token),
        Err(_) => Presented::Unreadable("body is not {\"token\": …}"),
    }
}

/// 401 without detail; the reason, and the workspace and token id when the token named
/// existing ones, go to the security log.
fn refuse(
    req: &HttpRequest,
    reason: &str,
    workspace: Option<String>,
    token_id: Option<uuid::Uuid>,
) -> HttpResponse {
    let subject = token_id.map_or_else(|| "-".to_owned(), api_tokens::subject);
    Refusal::new("api token exchange refused", reason)
        .by_identity(workspace.as_deref().unwrap_or("-"), &subject)
        .peer(req.peer_addr())
        .log();
    ClientError::new(ErrorCode::Unauthenticated, "a valid API token is required").into()
}

/// Any other method on `/auth/token`: a 405 naming the one that works, since a client that
/// tries `GET` has found the right place with the wrong verb.
pub async fn wrong_method() -> HttpResponse {
    let mut response: HttpResponse = ClientError::new(
        ErrorCode::BadUserInput,
        "exchange an API token with POST /auth/token",
    )
    .with_status(StatusCode::METHOD_NOT_ALLOWED)
    .into();
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    response
}
