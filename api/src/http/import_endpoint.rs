//! `POST /import`: NDJSON lines, or Backstage descriptors (`format=backstage`), applied to the
//! caller's workspace in one transaction, answered
//! with the report of every line (200 when none was refused, else 422). The body is read under
//! its own limit, larger than GraphQL's since an import is bulk by nature, but still bounded:
//! the lines are held until the last one is in, as a line may name a fact sheet a later line
//! creates and an atomic import is checked whole before it is committed.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use domain::exchange::{ImportMode, ImportOptions, import_backstage, import_ndjson};

use super::{
    AppState,
    body::read_limited,
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
    let (options, format) = match options_of(req.query_string()) {
        Ok(o) => o,
        Err(refusal) => return refusal.into(),
    };
    if !format.accepts(&req) {
        return ClientError::new(
            ErrorCode::BadUserInput,
            format!(
                "an import of format {} must be sent as Content-Type: {}",
                format.name(),
                format.content_types()[0]
            ),
        )
        .with_detail("field", "Content-Type")
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .into();
    }
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_import_body_bytes,
        &state.limits,
        "an import request",
        Some(&principal),
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return ClientError::new(ErrorCode::BadUserInput, "the body must be UTF-8 text").into();
    };
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let model = state.meta_models.current(&*tx, &principal, None).await?;
        let report = match format {
            Format::Ndjson => {
                import_ndjson(&tx, &principal, &model.model, text, options, &mut |_, _| {}).await?
            }
            Format::Backstage => {
                import_backstage(&tx, &principal, &model.model, text, options, &mut |_, _| {})
                    .await?
            }
        };
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

/// The formats this server reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Ndjson,
    Backstage,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Backstage => "backstage",
        }
    }

    /// The first is the one to use; YAML has gone by several names.
    fn content_types(self) -> &'static [&'static str] {
        match self {
            Format::Ndjson => &[NDJSON],
            Format::Backstage => &["application/yaml", "application/x-yaml", "text/yaml"],
        }
    }

    fn accepts(self, req: &HttpRequest) -> bool {
        req.headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                self.content_types()
                    .iter()
                    .any(|t| mime.trim().eq_ignore_ascii_case(t))
            })
    }
}

/// `validateOnly`, `mode` and `format`, each refused by name when its value is not one it takes.
fn options_of(query: &str) -> Result<(ImportOptions, Format), ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let bad = |field: &'static str, message: String| {
        ClientError::new(ErrorCode::BadUserInput, message).with_detail("field", field)
    };
    let mut options = ImportOptions::default();
    let mut format = Format::Ndjson;
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
                "ndjson" => format = Format::Ndjson,
                "backstage" => format = Format::Backstage,
                "openapi" => {
                    return Err(bad(
                        "format",
                        format!(
                            "format {value} is not supported by this server; use ndjson or backstage"
                        ),
                    )
                    .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
                }
                _ => return Err(bad("format", "format must be ndjson or backstage".into())),
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
    Ok((options, format))
}
