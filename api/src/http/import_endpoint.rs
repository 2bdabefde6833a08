//! `POST /import`: NDJSON lines applied to the caller's workspace in one transaction, answered
//! with the report of every line (200 when none was refused, else 422). The body is read under
//! its own limit, larger than GraphQL's since an import is bulk by nature, but still bounded.
//! It is parsed line by line as it arrives; the parsed lines are held until the last one is in,
//! as a line may name a fact sheet a later line creates and an atomic import is checked whole
//! before it is committed.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use domain::exchange::{ImportMode, ImportOptions, NdjsonReader, import_lines};

use super::{
    AppState,
    body::read_limited_into,
    caller::{caller, workspace_gone},
    export_endpoint::NDJSON,
};
use crate::{client_error::ClientError, error_code::ErrorCode, import_report};

pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let principal = match caller(&state, &req).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    if let Err(e) = domain::authz::require(&principal, domain::authz::Action::WriteInventory) {
        return ClientError::from(e).into();
    }
    let options = match options_of(req.query_string()) {
        Ok(o) => o,
        Err(refusal) => return refusal.into(),
    };
    if !is_ndjson(&req) {
        return ClientError::new(
            ErrorCode::BadUserInput,
            format!("an import must be sent as Content-Type: {NDJSON}"),
        )
        .with_detail("field", "Content-Type")
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .into();
    }
    // Each line is parsed as it arrives: the server holds parsed lines, never the body's text.
    let mut reader = NdjsonReader::new();
    if let Err(refusal) = read_limited_into(
        &req,
        payload,
        state.limits.max_import_body_bytes,
        &state.limits,
        "an import request",
        Some(&principal),
        &mut |chunk| reader.feed(chunk),
    )
    .await
    {
        return refusal;
    }
    let body = reader.finish();
    if !body.is_utf8() {
        return ClientError::new(ErrorCode::BadUserInput, "the body must be UTF-8 text").into();
    }
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let model = state.meta_models.current(&*tx, &principal, None).await?;
        let report =
            import_lines(&tx, &principal, &model.model, body, options, &mut |_, _| {}).await?;
        if report.commits(options) {
            tx.commit().await?;
        }
        Ok::<_, domain::Error>(report)
    }
    .await;
    match result {
        Ok(report) => {
            let status = if report.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            HttpResponse::build(status).json(import_report::to_json(report))
        }
        Err(domain::Error::Unauthenticated) => workspace_gone(&state, &req, &principal),
        Err(e) => ClientError::from(e).into(),
    }
}

fn is_ndjson(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(NDJSON))
}

/// `validateOnly`, `mode` and `format`, each refused by name when its value is not one it takes.
fn options_of(query: &str) -> Result<ImportOptions, ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let bad = |field: &'static str, message: String| {
        ClientError::new(ErrorCode::BadUserInput, message).with_detail("field", field)
    };
    let mut options = ImportOptions::default();
    for (key, value) in pairs {
        match key.as_str() {
            "validateOnly" => {
                options.validate_only = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(bad(
                            "validateOnly",
                            "validateOnly must be true or false".into(),
                        ));
                    }
                }
            }
            "mode" => {
                options.mode = match value.as_str() {
                    "atomic" => ImportMode::Atomic,
                    "partial" => ImportMode::Partial,
                    _ => return Err(bad("mode", "mode must be atomic or partial".into())),
                }
            }
            "format" => match value.as_str() {
                "ndjson" => {}
                "backstage" | "openapi" => {
                    return Err(bad(
                        "format",
                        format!("format {value} is not supported by this server; use ndjson"),
                    )
                    .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
                }
                _ => return Err(bad("format", "format must be ndjson".into())),
            },
            other => {
                return Err(ClientError::new(
                    ErrorCode::BadUserInput,
                    format!("unknown query parameter `{other}`; use validateOnly, mode or format"),
                )
                .with_detail("field", other.to_owned()));
            }
        }
    }
    Ok(options)
}
