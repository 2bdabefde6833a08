//! Checks made before the CloudEvents SDK parses a request, because its own errors ("Wrong
//! encoding", "premature end of input") name neither the field nor what would have worked.

use chrono::DateTime;
use serde_json::Value;

/// The media type of one structured event.
pub const STRUCTURED: &str = "application/cloudevents+json";
/// The media type of a batch of structured events.
pub const BATCH: &str = "application/cloudevents-batch+json";

/// What to send instead when a request is neither binary mode (`ce-*` headers) nor one of the
/// structured media types: usually a structured event posted as plain `application/json`.
pub fn encoding_hint(content_type: &str) -> String {
    let sent = if content_type.is_empty() {
        "no Content-Type".to_owned()
    } else {
        format!("Content-Type {content_type}")
    };
    format!(
        "a request with {sent} and no ce-specversion header is not a CloudEvent: send one \
         event as {STRUCTURED}, several as {BATCH}, or the event's attributes as ce-* headers \
         (binary mode) with its data as the body"
    )
}

/// Why `time` is not an RFC 3339 timestamp, or `None` when it is (or is absent, which the
/// domain's validation reports).
pub fn bad_time(time: Option<&str>) -> Option<String> {
    let time = time?;
    DateTime::parse_from_rfc3339(time).err().map(|_| {
        format!("must be an RFC 3339 timestamp such as 2026-12-02T10:00:00Z, not {time:?}")
    })
}

/// [`bad_time`] for the `time` member of a structured event.
pub fn bad_json_time(event: &Value) -> Option<String> {
    match event.get("time") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => bad_time(Some(s)),
        Some(other) => bad_time(Some(&other.to_string())),
    }
}
