//! `POST /webhooks/github/{workspace}`: GitHub's deliveries, authenticated by their
//! `X-Hub-Signature-256` under the secret an admin set with `setWebhookSecret`, not by a bearer
//! token (GitHub cannot send one). An unknown workspace, a workspace without a secret and a
//! wrong or missing signature all get the same 401, so the endpoint does not tell which
//! workspaces exist; the reason goes to the `security` log. The body is read under the limits
//! of `/events` before anything is looked up, and a verified delivery spends the workspace's
//! rate limit like any request.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::{
    Principal, Role,
    events::IngestResult,
    security_log::Refusal,
    webhooks::{self, Delivery, Provider, github, secrets},
};
use serde_json::{Value, json};

use super::{AppState, body::read_limited, rate_limit};
use crate::{client_error::ClientError, error_code::ErrorCode};

const SIGNATURE: &str = "x-hub-signature-256";
const EVENT: &str = "x-github-event";
const DELIVERY: &str = "x-github-delivery";

pub async fn github(
    state: web::Data<AppState>,
    req: HttpRequest,
    workspace: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let slug = workspace.into_inner();
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_event_body_bytes,
        &state.limits,
        "a webhook delivery",
        None,
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let principal = match verified_sender(&state, &req, &slug, &body).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let budget_key = format!("webhook:{}:{}", Provider::GitHub, principal.workspace_id);
    if let Err(refusal) =
        rate_limit::enforce(&state.rate_limiter, &state.store, &principal, &budget_key).await
    {
        return refusal;
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return ClientError::new(ErrorCode::BadUserInput, "the payload is not JSON")
            .with_detail("field", "body")
            .into();
    };
    let event = header(&req, EVENT).unwrap_or_default();
    let delivery = header(&req, DELIVERY).unwrap_or_default();
    let drafts = match github::read(event, delivery, &payload) {
        Ok(Delivery::Ping) => return HttpResponse::Ok().json(json!({"pong": true})),
        Ok(Delivery::Ignored) => return accepted(IngestResult::default()),
        Ok(Delivery::Drafts(drafts)) => drafts,
        Err(e) => return ClientError::from(e).into(),
    };
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let result = webhooks::receive(&*tx, &principal, drafts).await?;
        tx.commit().await?;
        Ok::<_, domain::Error>(result)
    }
    .await;
    match result {
        Ok(r) => {
            tracing::debug!(workspace = %principal.workspace_slug, event, delivery, accepted = r.accepted, duplicates = r.duplicates, "webhook delivery ingested");
            accepted(r)
        }
        Err(domain::Error::Unauthenticated) => {
            state.workspaces.forget(&slug);
            refuse(&req, &slug, "unknown or deleted workspace")
        }
        Err(e) => ClientError::from(e).into(),
    }
}

/// The workspace `slug` as the sender of a delivery whose signature its secret verifies, or
/// the 401 (503 when the database cannot tell).
async fn verified_sender(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
    body: &[u8],
) -> Result<Principal, HttpResponse> {
    let workspace_id = match state
        .workspaces
        .live_id(state.store.connection(), slug)
        .await
    {
        Ok(Some(id)) => id,
        Ok(None) => return Err(refuse(req, slug, "unknown or deleted workspace")),
        Err(e) => return Err(ClientError::retryable("webhook authentication", e).into()),
    };
    let secret = async {
        let db = state.store.tenant(workspace_id).await?;
        secrets::find(&db, workspace_id, Provider::GitHub).await
    }
    .await;
    let secret = match secret {
        Ok(Some(secret)) => secret,
        Ok(None) => return Err(refuse(req, slug, "no webhook secret set")),
        Err(domain::Error::Unauthenticated) => {
            state.workspaces.forget(slug);
            return Err(refuse(req, slug, "unknown or deleted workspace"));
        }
        Err(e) => return Err(ClientError::retryable("webhook authentication", e).into()),
    };
    if !webhooks::signature_matches(secret.as_bytes(), body, header(req, SIGNATURE)) {
        return Err(refuse(req, slug, "wrong or missing webhook signature"));
    }
    Ok(Principal {
        workspace_id,
        workspace_slug: slug.to_owned(),
        subject: format!("webhook:{}", Provider::GitHub),
        role: Role::Member,
    })
}

/// The one answer to every delivery that is not proven to come from the workspace's sender.
fn refuse(req: &HttpRequest, slug: &str, reason: &str) -> HttpResponse {
    Refusal::new("webhook refused", reason)
        .by_identity(slug, "-")
        .status(401u16)
        .peer(req.peer_addr())
        .log();
    ClientError::new(
        ErrorCode::Unauthenticated,
        "the delivery's signature does not verify",
    )
    .into()
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The answer of `POST /events`, so a webhook and an event sender read the same counts.
fn accepted(result: IngestResult) -> HttpResponse {
    HttpResponse::Accepted().json(json!({
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "unrecognized": result.unrecognized,
    }))
}
