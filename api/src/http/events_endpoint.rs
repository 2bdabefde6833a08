//! `POST /events`: CloudEvents 1.0 in binary mode (`ce-*` headers), structured mode
//! (`application/cloudevents+json`) and batch mode (`application/cloudevents-batch+json`),
//! parsed with the CloudEvents SDK. The request is all or nothing: one bad event refuses it,
//! naming the event and the field; the 202 is sent only after the events are committed. An
//! event of a type outside the vocabulary is not bad: it is stored and counted apart, under
//! `unrecognized`, so a misspelt type shows in the answer instead of vanishing.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use cloudevents::{AttributesReader, Data, Event, binding::http_0_2::to_event};
use domain::events::{self, IncomingEvent, IngestResult};
use serde_json::{Value, json};

use super::{
    AppState,
    body::{batch_too_large, read_limited},
    caller::{authorized, workspace_gone},
    endpoint_rules::Endpoint,
    event_shape::{BATCH, STRUCTURED, bad_json_time, bad_time, encoding_hint},
};
use crate::{client_error::ClientError, error_code::ErrorCode};

fn rejection(index: usize, id: Option<&str>, field: &str, message: &str) -> HttpResponse {
    ClientError::new(
        ErrorCode::BadUserInput,
        format!("event {index}: {field} {message}"),
    )
    .with_detail("index", index)
    .with_detail("eventId", id)
    .with_detail("field", field)
    .into()
}

pub async fn ingest(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let principal = match authorized(&state, &req, Endpoint::Events).await {
        Ok(p) => p,
        Err(refusal) => return refusal,
    };
    let body = match read_limited(
        &req,
        payload,
        state.limits.max_event_body_bytes,
        &state.limits,
        "an events request",
        Some(&principal),
    )
    .await
    {
        Ok(b) => b,
        Err(refusal) => return refusal,
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let parsed: Vec<Event> = if content_type.starts_with(BATCH) {
        let items: Vec<Value> = match serde_json::from_slice(&body) {
            Ok(Value::Array(items)) => items,
            _ => {
                return ClientError::new(
                    ErrorCode::BadUserInput,
                    "a batch must be a JSON array of CloudEvents",
                )
                .into();
            }
        };
        if items.len() > state.limits.max_events_per_request {
            return batch_too_large(
                &principal,
                "events batch too large",
                items.len(),
                state.limits.max_events_per_request,
                "events",
            );
        }
        let mut events = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let id = item.get("id").and_then(Value::as_str).map(str::to_owned);
            if let Some(message) = bad_json_time(&item) {
                return rejection(index, id.as_deref(), "time", &message);
            }
            match serde_json::from_value::<Event>(item) {
                Ok(e) => events.push(e),
                Err(e) => {
                    return rejection(
                        index,
                        id.as_deref(),
                        "event",
                        &format!("is not a valid CloudEvent: {e}"),
                    );
                }
            }
        }
        events
    } else {
        if let Some(refusal) = unparseable_single(&req, &content_type, &body) {
            return refusal;
        }
        match to_event(req.headers(), body.to_vec()) {
            Ok(e) => vec![e],
            Err(e) => {
                return rejection(0, None, "event", &format!("is not a valid CloudEvent: {e}"));
            }
        }
    };
    if parsed.is_empty() {
        return accepted(IngestResult::default());
    }
    let incoming: Vec<IncomingEvent> = parsed.into_iter().map(incoming).collect();
    let valid = match events::validate(incoming) {
        Ok(v) => v,
        Err(rejections) => {
            let first = &rejections[0];
            return rejection(
                first.index,
                first.id.as_deref(),
                &first.field,
                &first.message,
            );
        }
    };
    let count = valid.len();
    let result = async {
        let tx = state.store.begin_write(principal.workspace_id).await?;
        let result = events::ingest(&*tx, &principal, valid).await?;
        tx.commit().await?;
        Ok::<_, domain::Error>(result)
    }
    .await;
    match result {
        Ok(r) => {
            tracing::debug!(workspace = %principal.workspace_slug, events = count, accepted = r.accepted, duplicates = r.duplicates, unrecognized = r.unrecognized, "events ingested");
            accepted(r)
        }
        Err(domain::Error::Unauthenticated) => workspace_gone(&state, &req, &principal),
        Err(e) => ClientError::from(e).into(),
    }
}

/// The 202 answer, the same in every mode: `accepted` counts every newly stored event and
/// `unrecognized` the part of those whose type is outside the vocabulary.
fn accepted(result: IngestResult) -> HttpResponse {
    HttpResponse::Accepted().json(json!({
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "unrecognized": result.unrecognized,
    }))
}

/// Refuses, in words the sender can act on, a single event the SDK would refuse with its own
/// opaque errors: neither structured nor binary mode, or a `time` that is not RFC 3339.
/// The mode is told apart as the SDK does: the media type first, then `ce-specversion`.
fn unparseable_single(req: &HttpRequest, content_type: &str, body: &[u8]) -> Option<HttpResponse> {
    if content_type.starts_with(STRUCTURED) {
        let event: Value = serde_json::from_slice(body).ok()?;
        let id = event.get("id").and_then(Value::as_str);
        return bad_json_time(&event).map(|message| rejection(0, id, "time", &message));
    }
    if !req.headers().contains_key("ce-specversion") {
        return Some(
            ClientError::new(ErrorCode::BadUserInput, encoding_hint(content_type))
                .with_detail("field", "Content-Type")
                .into(),
        );
    }
    let time = req
        .headers()
        .get("ce-time")
        .map(|t| t.to_str().unwrap_or("(not text)"));
    let id = req.headers().get("ce-id").and_then(|v| v.to_str().ok());
    bad_time(time).map(|message| rejection(0, id, "time", &message))
}

fn incoming(e: Event) -> IncomingEvent {
    let data = e.data().map(|d| match d {
        Data::Json(v) => v.clone(),
        Data::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        Data::Binary(b) => serde_json::from_slice(b)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(b).into_owned())),
    });
    IncomingEvent {
        source: e.source().to_string(),
        id: e.id().to_owned(),
        event_type: e.ty().to_owned(),
        time: e.time().copied(),
        subject: e.subject().map(str::to_owned),
        data,
    }
}
