//! `GET /reports/export`: a saved view (`view=<id>`), or columns and a filter given right here
//! (`types=…&columns=…` and the list filters), as CSV or Excel.
//!
//! The view is checked and its first page read before the response starts, so a refusal (an
//! unknown column, a private view of someone else, which is "not found") is an ordinary error
//! response naming the parameter. CSV then streams page by page as the client reads it; an
//! .xlsx file is a zip whose directory comes last, so it is spooled to a temp file (rows leave
//! memory as they are written) and sent from there once complete.

use std::{io::Read, sync::Arc};

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::Utc;
use domain::{
    Principal,
    fact_sheets::{FactSheetFilter, FactSheetOrder, OrderField, Status},
    meta_model_versions,
    reports::{ViewDefinition, ViewRow, saved_views},
};
use futures::stream;
use uuid::Uuid;

use super::{
    AppState,
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
};
use crate::{
    client_error::ClientError,
    error_code::ErrorCode,
    report_export::{CsvWriter, ExportFormat, ExportRun, XlsxWriter, parse_columns},
};

/// Bytes per chunk when sending a spooled file.
const FILE_CHUNK: usize = 64 * 1024;

/// What to export and how, as the query string says.
struct ExportRequest {
    format: ExportFormat,
    bom: bool,
    source: Source,
}

enum Source {
    View(Uuid),
    Columns(Box<ViewDefinition>),
}

pub async fn export(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::ReportExport).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let request = match request_of(req.query_string()) {
        Ok(r) => r,
        Err(refusal) => return refusal.into(),
    };
    let (run, name) = match prepare(&state, &principal, request.source).await {
        Ok(prepared) => prepared,
        Err(domain::Error::Unauthenticated) => return workspace_gone(&state, &req, &principal),
        Err(e) => return ClientError::from(e).into(),
    };
    let first = match run.page(None).await {
        Ok(page) => page,
        Err(e) => return ClientError::from(e).into(),
    };
    let disposition = format!(
        "attachment; filename=\"{}.{}\"",
        file_name(&name),
        request.format.extension()
    );
    let response = match request.format {
        ExportFormat::Csv => csv_response(run, first, request.bom),
        ExportFormat::Xlsx => match xlsx_response(run, first).await {
            Ok(body) => body,
            Err(e) => return ClientError::from(e).into(),
        },
    };
    let mut response = response;
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_str(&disposition).expect("the file name is ASCII"),
    );
    response
}

/// The run of the requested view, checked against the current meta model, and the name of the
/// file.
async fn prepare(
    state: &AppState,
    principal: &Principal,
    source: Source,
) -> domain::Result<(ExportRun, String)> {
    let db = state.store.tenant(principal.workspace_id).await?;
    let model = meta_model_versions::current(&db, principal).await?.model;
    let (definition, name) = match source {
        Source::View(id) => {
            let view = saved_views::require(&db, principal, id).await?;
            (view.definition, view.name)
        }
        Source::Columns(definition) => (*definition, "fact-sheets".to_owned()),
    };
    let view = definition.checked(&model, Utc::now())?;
    Ok((
        ExportRun {
            store: state.store.clone(),
            principal: principal.clone(),
            model: Arc::new(model),
            view: Arc::new(view),
        },
        name,
    ))
}

fn csv_response(
    run: ExportRun,
    (rows, next): (Vec<ViewRow>, Option<String>),
    bom: bool,
) -> HttpResponse {
    let mut writer = CsvWriter::new(&run.view.labels(), bom);
    writer.write_rows(&rows);
    let head = web::Bytes::from(writer.take());
    let rest = stream::unfold(
        (next, writer, run),
        |(cursor, mut writer, run)| async move {
            let cursor = cursor?;
            match run.page(Some(&cursor)).await {
                Ok((rows, next)) => {
                    writer.write_rows(&rows);
                    let bytes = web::Bytes::from(writer.take());
                    Some((Ok(bytes), (next, writer, run)))
                }
                Err(e) => {
                    // The status is sent already: the client sees the body cut short.
                    tracing::error!(error = ?e, "report export stopped after its first page");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        (None, writer, run),
                    ))
                }
            }
        },
    );
    let head = stream::once(async move { Ok::<_, actix_web::Error>(head) });
    HttpResponse::Ok()
        .content_type(ExportFormat::Csv.content_type())
        .streaming(futures::StreamExt::chain(head, rest))
}

/// Writes every page into a workbook spooled to a temp directory, then streams the file.
async fn xlsx_response(
    run: ExportRun,
    (mut rows, mut next): (Vec<ViewRow>, Option<String>),
) -> domain::Result<HttpResponse> {
    let spool = tempfile::tempdir().map_err(|e| domain::Error::Internal(e.to_string()))?;
    let xlsx = |e: rust_xlsxwriter::XlsxError| domain::Error::Internal(e.to_string());
    let mut writer = XlsxWriter::new(&run.view.labels(), spool.path()).map_err(xlsx)?;
    loop {
        writer.write_rows(&rows).map_err(xlsx)?;
        let Some(cursor) = next.take() else { break };
        (rows, next) = run.page(Some(&cursor)).await?;
    }
    let path = spool.path().join("export.xlsx");
    writer.save(&path).map_err(xlsx)?;
    let file = std::fs::File::open(&path).map_err(|e| domain::Error::Internal(e.to_string()))?;
    // The directory goes when the stream ends: the open file stays readable after.
    let body = stream::unfold(Some((file, spool)), |state| async move {
        let (mut file, spool) = state?;
        let mut chunk = vec![0; FILE_CHUNK];
        match file.read(&mut chunk) {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok(web::Bytes::from(chunk)), Some((file, spool))))
            }
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .content_type(ExportFormat::Xlsx.content_type())
        .streaming(body))
}

/// A file name from a view's name: letters, digits, `-` and `_` kept, the rest `-`.
fn file_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    if kept.trim_matches('-').is_empty() {
        "export".to_owned()
    } else {
        kept
    }
}

fn bad(field: &str, message: impl Into<String>) -> ClientError {
    ClientError::new(ErrorCode::BadUserInput, message).with_detail("field", field.to_owned())
}

/// The parameters: `format` (`csv`, the default, or `xlsx`), `bom` (`true` adds a UTF-8 byte
/// order mark to CSV), and either `view`, or `columns` with the list filters: `types`,
/// `search`, `tags`, `status` (`ACTIVE`, the default, or `ARCHIVED`), `filter` (a whole
/// `FactSheetFilter` as JSON) and `orderBy` (a field such as `UPDATED_AT`, or
/// `attribute:KEY`; `-` in front for descending).
fn request_of(query: &str) -> Result<ExportRequest, ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let mut format = ExportFormat::Csv;
    let mut bom = false;
    let mut view = None;
    let mut columns = None;
    let mut filter: Option<FactSheetFilter> = None;
    let mut listed = FactSheetFilter::default();
    let mut order = FactSheetOrder::default();
    let mut list_parameter = None;
    for (key, value) in pairs {
        let key = key.as_str();
        match key {
            "format" => {
                format = ExportFormat::parse(&value)
                    .ok_or_else(|| bad("format", "format must be csv or xlsx"))?
            }
            "bom" => {
                bom = match value.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("bom", "bom must be true or false")),
                }
            }
            "view" => {
                view = Some(
                    Uuid::parse_str(&value).map_err(|_| bad("view", "view is not a valid id"))?,
                )
            }
            "columns" => columns = Some(parse_columns(&value).map_err(|m| bad("columns", m))?),
            "types" => listed.types = Some(list(&value)),
            "tags" => listed.tags = Some(list(&value)),
            "search" => listed.search = Some(value).filter(|s| !s.trim().is_empty()),
            "status" => {
                listed.status = Some(match value.as_str() {
                    "ACTIVE" => Status::Active,
                    "ARCHIVED" => Status::Archived,
                    _ => return Err(bad("status", "status must be ACTIVE or ARCHIVED")),
                })
            }
            "filter" => {
                filter = Some(serde_json::from_str(&value).map_err(|e| {
                    bad(
                        "filter",
                        format!("filter is not a FactSheetFilter as JSON: {e}"),
                    )
                })?)
            }
            "orderBy" => order = order_of(&value)?,
            other => {
                return Err(bad(
                    other,
                    format!(
                        "unknown query parameter `{other}`; use view or columns, format, bom, \
                         types, tags, search, status, filter and orderBy"
                    ),
                ));
            }
        }
        if !matches!(key, "format" | "bom" | "view" | "columns") {
            list_parameter = Some(key.to_owned());
        }
    }
    let source = match (view, columns) {
        (Some(_), Some(_)) => return Err(bad("columns", "give view or columns, not both")),
        (Some(id), None) => {
            if let Some(parameter) = list_parameter {
                return Err(bad(
                    &parameter,
                    format!("`{parameter}` applies to columns only; a view has its own filter"),
                ));
            }
            Source::View(id)
        }
        (None, Some(columns)) => {
            let mut filter = filter.unwrap_or_default();
            if listed.types.is_some() {
                filter.types = listed.types;
            }
            if listed.tags.is_some() {
                filter.tags = listed.tags;
            }
            if listed.search.is_some() {
                filter.search = listed.search;
            }
            if listed.status.is_some() {
                filter.status = listed.status;
            }
            Source::Columns(Box::new(ViewDefinition {
                filter,
                columns,
                order,
            }))
        }
        (None, None) => return Err(bad("view", "give a view, or columns to export")),
    };
    Ok(ExportRequest {
        format,
        bom,
        source,
    })
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn order_of(value: &str) -> Result<FactSheetOrder, ClientError> {
    let (descending, key) = match value.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, value),
    };
    if let Some(attribute) = key.strip_prefix("attribute:") {
        return Ok(FactSheetOrder::attribute(attribute, descending));
    }
    let field = match key {
        "NAME" => OrderField::Name,
        "UPDATED_AT" => OrderField::UpdatedAt,
        "CREATED_AT" => OrderField::CreatedAt,
        "COMPLETION" => OrderField::Completion,
        _ => {
            return Err(bad(
                "orderBy",
                "orderBy must be NAME, UPDATED_AT, CREATED_AT, COMPLETION or attribute:KEY",
            ));
        }
    };
    Ok(FactSheetOrder::field(field, descending))
}
