use actix_web::{HttpRequest, HttpResponse, http::header};
use domain::{Principal, api_tokens::TokenSecret, security_log::Refusal};

use super::{AppState, endpoint_rules::Endpoint, rate_limit};
use crate::{
    auth::{AuthError, authenticate, bearer_token},
    client_error::ClientError,
    error_code::ErrorCode,
};

/// The authenticated caller of a request, or the response refusing it: 401 without detail for
/// any token problem (the reason goes to the `security` log; a raw API token is told where it is
/// exchanged, which its shape alone shows), 503 when the workspace cannot be
/// looked up, 429 when the token or its workspace is over its rate limit. Every protected
/// endpoint goes through here.
pub async fn caller(state: &AppState, req: &HttpRequest) -> Result<Principal, HttpResponse> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match authenticate(&state.store, &state.workspaces, &state.keys, value).await {
        Ok(p) => {
            let token = bearer_token(value).unwrap_or_default();
            rate_limit::enforce(&state.rate_limiter, &state.store, &p, token).await?;
            Ok(p)
        }
        Err(AuthError::Database(e)) => Err(ClientError::retryable("authentication", e).into()),
        Err(e) => {
            let (workspace, subject) = e.identity();
            let reason = e.to_string();
            Refusal::new("authentication failed", &reason)
                .by_identity(workspace, subject)
                .peer(req.peer_addr())
                .log();
            let sent_api_token = bearer_token(value).is_ok_and(|t| TokenSecret::parse(t).is_some());
            Err(if sent_api_token {
                api_token_as_bearer()
            } else {
                unauthenticated()
            })
        }
    }
}

/// The caller of `endpoint`, refused with 403 when its role is below the endpoint's rule.
pub async fn authorized(
    state: &AppState,
    req: &HttpRequest,
    endpoint: Endpoint,
) -> Result<Principal, HttpResponse> {
    let principal = caller(state, req).await?;
    domain::authz::require(&principal, endpoint.action())
        .map_err(|e| HttpResponse::from(ClientError::from(e)))?;
    Ok(principal)
}

/// The refusal of a request whose workspace its first transaction found deleted, after
/// [`caller`] let it in on a remembered slug: the slug is forgotten, and the client gets the
/// same 401 as for an unknown workspace.
pub fn workspace_gone(state: &AppState, req: &HttpRequest, principal: &Principal) -> HttpResponse {
    state.workspaces.forget(&principal.workspace_slug);
    Refusal::new("authentication failed", "unknown or deleted workspace")
        .by(principal)
        .peer(req.peer_addr())
        .log();
    unauthenticated()
}

fn unauthenticated() -> HttpResponse {
    ClientError::new(
        ErrorCode::Unauthenticated,
        "a valid bearer token is required",
    )
    .into()
}

/// A raw API token sent where an access token belongs, the commonest mistake of a new
/// integration. Recognised by its shape only, so the answer says nothing of whether it is valid.
fn api_token_as_bearer() -> HttpResponse {
    ClientError::new(
        ErrorCode::Unauthenticated,
        "API tokens are not bearer tokens: exchange it at POST /auth/token for an access token \
         and send that as the bearer token",
    )
    .into()
}
