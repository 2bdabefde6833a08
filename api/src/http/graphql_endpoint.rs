//! `POST /graphql`. The body is read under a size limit, the content type must be JSON (a
//! `text/plain` form post from another site cannot trigger a mutation), the caller must present
//! a valid token, batches are bounded and execution is cancelled at the request timeout.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header::ContentType},
    web,
};
use async_graphql::BatchRequest;
use domain::{Principal, db::StatementCounter, security_log::Refusal};

use super::{
    AppState,
    body::{batch_too_large, is_json, read_limited},
    caller::{caller, workspace_gone},
};
use crate::{
    client_error::ClientError,
    error_code::ErrorCode,
    graphql::{AppSchema, RequestContext, sanitize_errors},
};

pub async fn execute(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if !is_json(&req) {
        return ClientError::new(
            ErrorCode::BadUserInput,
            "send GraphQL requests as application/json",
        )
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .into();
    }
    let principal = match caller(&state, &req).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_body_bytes,
        &state.limits,
        "a GraphQL request",
        Some(&principal),
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => {
            return ClientError::new(
                ErrorCode::BadUserInput,
                "the body is not a GraphQL request (expected {\"query\": …})",
            )
            .into();
        }
    };
    let statements = state.debug_sql_statement_header.then(StatementCounter::new);
    let context = || {
        match &statements {
            Some(counter) => {
                RequestContext::counting(state.store.clone(), principal.clone(), counter.clone())
            }
            None => RequestContext::new(state.store.clone(), principal.clone()),
        }
        .with_meta_models(state.meta_models.clone())
        .with_relation_windows(state.relation_windows.clone())
    };
    let mut batch = match batch {
        BatchRequest::Batch(list) if list.len() > state.limits.max_batch_size => {
            return batch_too_large(
                &principal,
                "batch too large",
                list.len(),
                state.limits.max_batch_size,
                "operations",
            );
        }
        batch => batch,
    };
    // One deadline for opening the scope and executing, as when the scope opened lazily.
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let body = match tokio::time::timeout_at(deadline, async {
        // Before any connection is taken: an expensive query waits for its turn without one.
        let turn = state.schema.heavy_queries().turn(&mut batch).await;
        // The first operation's scope opens before execution, so a workspace deleted since the
        // caller was let in is refused with a 401 even by an operation that reads nothing. The
        // others share its principal; their scopes open on first use, concurrently, as they run.
        for (index, request) in batch.iter_mut().enumerate() {
            let context = context();
            if index == 0 {
                open_scope(&state, &req, &principal, &context).await?;
            }
            request.data.insert(context);
        }
        Ok(turn.run(respond(state.schema.clone(), batch)).await)
    })
    .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(refusal)) => return refusal,
        Err(_) => {
            Refusal::new("request cancelled", "request timed out")
                .by(&principal)
                .log();
            return ClientError::new(
                ErrorCode::LimitExceeded,
                "the request took too long and was cancelled",
            )
            .with_status(StatusCode::GATEWAY_TIMEOUT)
            .into();
        }
    };
    let body = match body {
        Ok(body) => body,
        Err(e) => return ClientError::incident(&format!("writing a GraphQL response: {e}")).into(),
    };
    let mut reply = HttpResponse::Ok();
    if let Some(counter) = &statements {
        reply.insert_header((SQL_STATEMENTS_HEADER, counter.count()));
        let cache = domain::cache_stats::totals();
        reply.insert_header((CACHE_HITS_HEADER, cache.hits));
        reply.insert_header((CACHE_MISSES_HEADER, cache.misses));
    }
    reply.content_type(ContentType::json()).body(body)
}

/// Executes `batch` and writes its response as JSON, errors sanitized: the whole of a request's
/// work after its scope is open, so that an expensive one does all of it on the lane.
async fn respond(schema: AppSchema, batch: BatchRequest) -> serde_json::Result<Vec<u8>> {
    schema.execute_batch_to_json(batch, sanitize_errors).await
}

/// Opens `context`'s workspace scope, or the response refusing the request.
async fn open_scope(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    context: &RequestContext,
) -> Result<(), HttpResponse> {
    match context.open_scope().await {
        Ok(()) => Ok(()),
        Err(domain::Error::Unauthenticated) => Err(workspace_gone(state, req, principal)),
        Err(e) => Err(ClientError::retryable("opening the request's workspace", e).into()),
    }
}

/// The response header of the `debug_sql_statement_header` option: the request's statements.
pub const SQL_STATEMENTS_HEADER: &str = "x-wayfinder-sql-statements";

/// Beside the statement count: the process's read cache hits so far, over all requests (a
/// client reads it before and after a period to get the period's hit ratio under its load).
pub const CACHE_HITS_HEADER: &str = "x-wayfinder-cache-hits";

/// Beside the statement count: the process's read cache misses so far, over all requests.
pub const CACHE_MISSES_HEADER: &str = "x-wayfinder-cache-misses";
