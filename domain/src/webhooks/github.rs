//! GitHub's payloads, read into drafts of Wayfinder events. Only the fields the mapping needs
//! are read, from the JSON as GitHub sends it; a field that is missing or of the wrong type is
//! refused naming its path in the payload.
//!
//! The event source is always `repository.full_name`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Delivery, Draft};
use crate::{
    error::{Error, FieldError, Result},
    events::IncomingEvent,
};

const CHANGE: &str = "dev.wayfinder.change";
const DEPLOYMENT: &str = "dev.wayfinder.deployment";
const WORK_ITEM: &str = "dev.wayfinder.workitem.transitioned";

/// Reads one delivery: `event` is the `X-GitHub-Event` header, `delivery` the
/// `X-GitHub-Delivery` header (the id of an `issues` event, which has none of its own that
/// stays the same when GitHub redelivers it).
pub fn read(event: &str, delivery: &str, payload: &Value) -> Result<Delivery> {
    match event {
        "ping" => Ok(Delivery::Ping),
        "push" => push(payload),
        "deployment_status" => deployment_status(payload),
        "issues" => issue(delivery, payload),
        "pull_request" => pull_request(payload),
        _ => Ok(Delivery::Ignored),
    }
}

/// One change per commit, identified by its SHA.
fn push(payload: &Value) -> Result<Delivery> {
    let source = text(payload, "/repository/full_name")?;
    let commits = match payload.pointer("/commits") {
        None | Some(Value::Null) => return Ok(Delivery::Ignored),
        Some(Value::Array(commits)) => commits,
        Some(_) => return Err(wrong("commits", "must be a list")),
    };
    let drafts = commits
        .iter()
        .enumerate()
        .map(|(i, commit)| {
            let at = |field: &str| format!("commits.{i}.{field}");
            let id = text(commit, "/id").map_err(|_| wrong(&at("id"), "is required"))?;
            let time = instant(commit, "/timestamp")
                .map_err(|_| wrong(&at("timestamp"), "must be an RFC 3339 time"))?;
            let mut data = serde_json::Map::new();
            if let Some(author) = commit.pointer("/author/name").and_then(Value::as_str) {
                data.insert("author".into(), json!(author));
            }
            if let Some(message) = commit.pointer("/message").and_then(Value::as_str) {
                data.insert("message".into(), json!(message));
            }
            Ok(Draft::Ready(incoming(
                &source,
                &id,
                CHANGE,
                time,
                Value::Object(data),
            )))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Delivery::Drafts(drafts))
}

/// A finished deployment; states other than success, failure and error are not finished.
fn deployment_status(payload: &Value) -> Result<Delivery> {
    let status = match text(payload, "/deployment_status/state")?.as_str() {
        "success" => "success",
        "failure" | "error" => "failure",
        _ => return Ok(Delivery::Ignored),
    };
    let source = text(payload, "/repository/full_name")?;
    let id = id_text(payload, "/deployment/id")?;
    let time = instant(payload, "/deployment_status/created_at")?;
    let environment = text(payload, "/deployment/environment")?;
    let sha = text(payload, "/deployment/sha")?;
    let data = json!({"deploymentId": id, "environment": environment, "status": status});
    Ok(Delivery::Drafts(vec![Draft::Deployment {
        event: incoming(&source, &id, DEPLOYMENT, time, data),
        sha,
    }]))
}

/// An issue opened, closed or reopened: a work item's transition.
fn issue(delivery: &str, payload: &Value) -> Result<Delivery> {
    let state = match text(payload, "/action")?.as_str() {
        "opened" => "todo",
        "closed" => "done",
        "reopened" => "active",
        _ => return Ok(Delivery::Ignored),
    };
    if delivery.is_empty() {
        return Err(wrong("X-GitHub-Delivery", "is required"));
    }
    let source = text(payload, "/repository/full_name")?;
    let item_id = text(payload, "/issue/node_id")?;
    let time = instant(payload, "/issue/updated_at")?;
    let is_bug = payload
        .pointer("/issue/labels")
        .and_then(Value::as_array)
        .is_some_and(|labels| {
            labels
                .iter()
                .any(|l| l.get("name").and_then(Value::as_str) == Some("bug"))
        });
    let item_type = if is_bug { "defect" } else { "feature" };
    let data = json!({"itemId": item_id, "itemType": item_type, "state": state});
    Ok(Delivery::Drafts(vec![Draft::Ready(incoming(
        &source, delivery, WORK_ITEM, time, data,
    ))]))
}

/// A merged pull request is a change (its merge commit), unless its commits came by push.
fn pull_request(payload: &Value) -> Result<Delivery> {
    let merged = payload.pointer("/pull_request/merged") == Some(&Value::Bool(true));
    if text(payload, "/action")? != "closed" || !merged {
        return Ok(Delivery::Ignored);
    }
    let source = text(payload, "/repository/full_name")?;
    let id = text(payload, "/pull_request/merge_commit_sha")?;
    let time = instant(payload, "/pull_request/merged_at")?;
    let head = text(payload, "/pull_request/head/sha")?;
    let mut data = json!({});
    if let Some(author) = payload
        .pointer("/pull_request/user/login")
        .and_then(Value::as_str)
    {
        data["author"] = json!(author);
    }
    if let Some(title) = payload
        .pointer("/pull_request/title")
        .and_then(Value::as_str)
    {
        data["message"] = json!(title);
    }
    Ok(Delivery::Drafts(vec![Draft::MergedChange {
        event: incoming(&source, &id, CHANGE, time, data),
        commits: vec![id.clone(), head],
    }]))
}

fn incoming(source: &str, id: &str, kind: &str, time: DateTime<Utc>, data: Value) -> IncomingEvent {
    IncomingEvent {
        source: source.to_owned(),
        id: id.to_owned(),
        event_type: kind.to_owned(),
        time: Some(time),
        subject: None,
        data: Some(data),
    }
}

/// The payload field at `pointer` (`/repository/full_name`) by the name a user reads it under
/// (`repository.full_name`).
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn wrong(field: &str, message: &str) -> Error {
    Error::Invalid(vec![FieldError::new(field, message)])
}

fn text(payload: &Value, pointer: &str) -> Result<String> {
    match payload.pointer(pointer) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(wrong(&field_name(pointer), "must be a non-empty string")),
    }
}

/// An id GitHub sends as a number (`deployment.id`), as text.
fn id_text(payload: &Value, pointer: &str) -> Result<String> {
    match payload.pointer(pointer) {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(wrong(&field_name(pointer), "must be a number or a string")),
    }
}

fn instant(payload: &Value, pointer: &str) -> Result<DateTime<Utc>> {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| wrong(&field_name(pointer), "must be an RFC 3339 time"))
}
