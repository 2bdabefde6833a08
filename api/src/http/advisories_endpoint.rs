//! `POST /advisories`: one OSV record or a JSON array of them, stored privately to the caller's
//! workspace (an admin's) and matched against its components in one transaction; answered with
//! how many were stored and the matches they opened and resolved. A bad record refuses the
//! request, naming its path (`1.affected.0.package` in an array). Advisories shared by every
//! workspace come in through the operator's `wayfinder advisories import`, not over HTTP. The
//! body is bulk by nature and bounded by the import limit.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::supply_chain::intake::post_advisories;
use serde_json::Value;

use super::{
    AppState,
    body::read_limited,
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
};
use crate::{client_error::ClientError, error_code::ErrorCode, supply_chain_report};

pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::Advisories).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_import_body_bytes,
        &state.limits,
        "an advisories request",
        Some(&principal),
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let document: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return ClientError::new(
                ErrorCode::BadUserInput,
                format!("the body is not JSON: {e}"),
            )
            .with_detail("field", "body")
            .into();
        }
    };
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let summary = post_advisories(&*tx, &principal, &document).await?;
        tx.commit().await?;
        Ok::<_, domain::Error>(summary)
    }
    .await;
    match result {
        Ok(summary) => HttpResponse::Ok().json(supply_chain_report::advisories(&summary)),
        Err(domain::Error::Unauthenticated) => workspace_gone(&state, &req, &principal),
        Err(e) => ClientError::from(e).into(),
    }
}
