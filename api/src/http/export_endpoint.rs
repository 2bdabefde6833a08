//! `GET /export`: the caller's workspace as NDJSON, streamed. The first page is read before the
//! response starts, so a refusal (a role, a deleted workspace) is still an ordinary error
//! response; later pages are read as the client takes the earlier ones, each on a connection of
//! its own, so a slow client holds no database connection.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::{
    Principal,
    db::Store,
    exchange::{ExportCursor, ExportFilter, export_page},
};
use futures::stream;
use serde_json::Value;

use super::{
    AppState,
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
};
use crate::{client_error::ClientError, error_code::ErrorCode};

/// Rows read per statement: large enough that round trips do not dominate, small enough that a
/// page of lines stays a few hundred kilobytes.
const PAGE_SIZE: u64 = 500;

pub const NDJSON: &str = "application/x-ndjson";

pub async fn export(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::Export).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let filter = match filter_of(req.query_string()) {
        Ok(f) => f,
        Err(refusal) => return refusal.into(),
    };
    let first = read_page(&state.store, &principal, &filter, ExportCursor::START).await;
    let (body, next) = match first {
        Ok(page) => page,
        Err(domain::Error::Unauthenticated) => return workspace_gone(&state, &req, &principal),
        Err(e) => return ClientError::from(e).into(),
    };
    let store = state.store.clone();
    let rest = stream::unfold(next, move |cursor| {
        let (store, principal, filter) = (store.clone(), principal.clone(), filter.clone());
        async move {
            if cursor == ExportCursor::Done {
                // Every page has been sent; what they took is given back rather than kept
                // for the next large allocation (see `release_freed_memory`).
                crate::allocator::release_freed_memory();
                return None;
            }
            match read_page(&store, &principal, &filter, cursor).await {
                Ok((bytes, next)) => Some((Ok(bytes), next)),
                Err(e) => {
                    // The status is sent already: the client sees the body cut short.
                    tracing::error!(error = ?e, "export stopped after its first page");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        ExportCursor::Done,
                    ))
                }
            }
        }
    });
    let body = stream::once(async move { Ok::<_, actix_web::Error>(body) });
    HttpResponse::Ok()
        .content_type(NDJSON)
        .streaming(futures::StreamExt::chain(body, rest))
}

/// One page as NDJSON bytes, read on a connection scoped to the caller's workspace.
async fn read_page(
    store: &Store,
    principal: &Principal,
    filter: &ExportFilter,
    cursor: ExportCursor,
) -> domain::Result<(web::Bytes, ExportCursor)> {
    let db = store.bulk_tenant(principal.workspace_id).await?;
    let (lines, next) = export_page(&db, principal, filter, cursor, PAGE_SIZE).await?;
    Ok((web::Bytes::from(ndjson(&lines)), next))
}

/// Lines as NDJSON: one compact JSON text per line, each ended by a newline.
pub fn ndjson(lines: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut out, line).expect("a JSON value serialises");
        out.push(b'\n');
    }
    out
}

/// `types` (comma-separated) and `status` (`ACTIVE`, the default, or `ALL`).
fn filter_of(query: &str) -> Result<ExportFilter, ClientError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| ClientError::new(ErrorCode::BadUserInput, "the query string is malformed"))?;
    let mut filter = ExportFilter::default();
    for (key, value) in pairs {
        match key.as_str() {
            "types" => {
                filter.types = Some(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned)
                        .collect(),
                )
            }
            "status" => {
                filter.include_archived = match value.as_str() {
                    "ACTIVE" => false,
                    "ALL" => true,
                    _ => {
                        return Err(ClientError::new(
                            ErrorCode::BadUserInput,
                            "status must be ACTIVE or ALL",
                        )
                        .with_detail("field", "status"));
                    }
                }
            }
            other => {
                return Err(ClientError::new(
                    ErrorCode::BadUserInput,
                    format!("unknown query parameter `{other}`; use types or status"),
                )
                .with_detail("field", other.to_owned()));
            }
        }
    }
    Ok(filter)
}
