//! `POST /import`: NDJSON lines applied to the caller's workspace in one transaction, answered
//! with the report of every line (200 when none was refused, else 422). The body is read under
//! its own limit, larger than GraphQL's since an import is bulk by nature, but still bounded.
//! NDJSON is parsed line by line as it arrives; the lines are held until the last one is in (the
//! relation lines as text, on disk when there are many), as a line may name a fact sheet a later
//! line creates and an atomic import is checked whole before it is committed.
//!
//! `format=backstage` takes Backstage catalog descriptors (YAML documents) instead, and
//! `format=openapi` one OpenAPI or Swagger description (YAML or JSON), recorded on the API fact
//! sheet `api` names; both are read whole, turned into the same lines and answered with the same
//! report.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use domain::exchange::{
    IMPORTED_TABLES, ImportMode, ImportOptions, NdjsonReader, Ref, import_backstage, import_lines,
    import_openapi, openapi,
};

use super::{
    AppState,
    body::read_limited_into,
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
    export_endpoint::NDJSON,
};
use crate::{client_error::ClientError, error_code::ErrorCode, import_report};

pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::Import).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let ImportRequest {
        options,
        format,
        api,
    } = match request_of(req.query_string()) {
        Ok(o) => o,
        Err(refusal) => return refusal.into(),
    };
    if !format.accepts(content_type(&req)) {
        return ClientError::new(
            ErrorCode::BadUserInput,
            format!(
                "this import must be sent as Content-Type: {}",
                format.content_types().join(" or ")
            ),
        )
        .with_detail("field", "Content-Type")
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .into();
    }
    // NDJSON is parsed as it arrives, so the server holds parsed lines, never the body's text;
    // a YAML or JSON document is only read once it is whole.
    let mut reader = NdjsonReader::new();
    let mut document = Vec::new();
    if let Err(refusal) = read_limited_into(
        &req,
        payload,
        state.limits.max_import_body_bytes,
        &state.limits,
        "an import request",
        Some(&principal),
        &mut |chunk| match format {
            Format::Ndjson => reader.feed(chunk),
            Format::Backstage | Format::OpenApi => document.extend_from_slice(chunk),
        },
    )
    .await
    {
        return refusal;
    }
    let lines = reader.finish();
    let Ok(text) = String::from_utf8(document) else {
        return not_utf8();
    };
    if !lines.is_utf8() {
        return not_utf8();
    }
    let result = async {
        let tx = state.store.begin_bulk_write(principal.workspace_id).await?;
        let model = state
            .meta_models
            .current(&*tx, &principal, &[], &[])
            .await?;
        let report = match format {
            Format::Ndjson => {
                import_lines(
                    &tx,
                    &principal,
                    &model.model,
                    lines,
                    options,
                    &mut |_, _| {},
                )
                .await?
            }
            Format::Backstage => {
                import_backstage(
                    &tx,
                    &principal,
                    &model.model,
                    &text,
                    options,
                    &mut |_, _| {},
                )
                .await?
            }
            Format::OpenApi => {
                import_openapi(
                    &tx,
                    &principal,
                    &model.model,
                    &text,
                    api,
                    options,
                    &mut |_, _| {},
                )
                .await?
            }
        };
        if report.commits(options) {
            tx.commit().await?;
        }
        Ok::<_, domain::Error>(report)
    }
    .await;
    // The body's lines and the import's plans are gone by now.
    crate::allocator::release_freed_memory();
    match result {
        Ok(report) => {
            if report.moves_statistics(options) {
                refresh_statistics_after(&state, &principal);
            }
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

/// Refreshes the planner's statistics of the imported tables in the background: the answer
/// does not wait for it, and a failure costs only plan quality, so it is logged, not sent.
fn refresh_statistics_after(state: &AppState, principal: &domain::Principal) {
    let statistics = state.statistics.clone();
    let workspace = principal.workspace_slug.clone();
    actix_web::rt::spawn(async move {
        match statistics.refresh(IMPORTED_TABLES).await {
            Ok(()) => tracing::debug!(%workspace, "planner statistics refreshed after an import"),
            Err(e) => {
                tracing::warn!(%workspace, error = ?e, "refreshing planner statistics failed")
            }
        }
    });
}

fn not_utf8() -> HttpResponse {
    ClientError::new(ErrorCode::BadUserInput, "the body must be UTF-8 text").into()
}

/// The media type of the body, without parameters.
fn content_type(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
}

/// What the body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Ndjson,
    Backstage,
    OpenApi,
}

impl Format {
    fn content_types(self) -> &'static [&'static str] {
        match self {
            Format::Ndjson => &[NDJSON],
            Format::Backstage => &["application/yaml", "application/x-yaml", "text/yaml"],
            Format::OpenApi => &[
                "application/yaml",
                "application/x-yaml",
                "text/yaml",
                "application/json",
                "application/vnd.oai.openapi",
                "application/vnd.oai.openapi+json",
            ],
        }
    }

    fn accepts(self, content_type: Option<&str>) -> bool {
        content_type.is_some_and(|mime| {
            self.content_types()
                .iter()
                .any(|t| mime.eq_ignore_ascii_case(t))
        })
    }
}

/// The query parameters of an import.
struct ImportRequest {
    options: ImportOptions,
    format: Format,
    /// The API fact sheet an OpenAPI description is recorded on.
    api: Option<Ref>,
}

/// `validateOnly`, `mode`, `format` and `api`, each refused by name when its value is not one it
/// takes.
fn request_of(query: &str) -> Result<ImportRequest, ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let bad = |field: &'static str, message: String| {
        ClientError::new(ErrorCode::BadUserInput, message).with_detail("field", field)
    };
    let mut options = ImportOptions::default();
    let mut format = Format::Ndjson;
    let mut api = None;
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
            "format" => {
                format = match value.as_str() {
                    "ndjson" => Format::Ndjson,
                    "backstage" => Format::Backstage,
                    "openapi" => Format::OpenApi,
                    _ => {
                        return Err(bad(
                            "format",
                            "format must be ndjson, backstage or openapi".into(),
                        ));
                    }
                }
            }
            "api" => {
                let Ok(named) = openapi::api_ref(&value) else {
                    return Err(bad(
                        "api",
                        "api must be a fact sheet id or <namespace>:<value> of an external ID"
                            .into(),
                    ));
                };
                api = Some(named);
            }
            other => {
                return Err(ClientError::new(
                    ErrorCode::BadUserInput,
                    format!(
                        "unknown query parameter `{other}`; use validateOnly, mode, format or api"
                    ),
                )
                .with_detail("field", other.to_owned()));
            }
        }
    }
    if api.is_some() && format != Format::OpenApi {
        return Err(bad("api", "api applies to format=openapi only".into()));
    }
    Ok(ImportRequest {
        options,
        format,
        api,
    })
}
