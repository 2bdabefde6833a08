//! The events that feed the metrics, and the times and windows the metric tests share.
//!
//! Integration tests reach the metric engine only through ingested events, so these build
//! [`IncomingEvent`]s; the engine's unit tests build its fact types inside `domain`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::{
    events::IncomingEvent,
    metrics::{BucketSize, MetricWindow},
};
use serde_json::{Value, json};

/// Midnight UTC on Friday 1 March 2024, where the metric tests' histories start.
pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
}

/// `hour` o'clock (UTC) on day `day` after [`base`].
pub fn at(day: i64, hour: i64) -> DateTime<Utc> {
    base() + Duration::days(day) + Duration::hours(hour)
}

/// Midnight UTC `n` days after Monday 4 March 2024, the first day of [`two_weeks`].
pub fn day(n: i64) -> DateTime<Utc> {
    at(3 + n, 0)
}

/// The two weeks from Monday 4 March 2024 in UTC, in weekly buckets.
pub fn two_weeks() -> MetricWindow {
    MetricWindow::new(day(0), day(14), BucketSize::Week, chrono_tz::UTC).unwrap()
}

/// An event of `source` of type `dev.wayfinder.{kind}` (`change`, `deployment`,
/// `incident.opened`, ...).
pub fn event(
    source: &str,
    id: &str,
    kind: &str,
    time: DateTime<Utc>,
    data: Value,
) -> IncomingEvent {
    IncomingEvent {
        source: source.into(),
        id: id.into(),
        event_type: format!("dev.wayfinder.{kind}"),
        time: Some(time),
        subject: None,
        data: Some(data),
    }
}

pub fn change(source: &str, id: &str, time: DateTime<Utc>) -> IncomingEvent {
    event(source, id, "change", time, json!({}))
}

/// A successful production deployment whose id is the event's, shipping `changes`.
pub fn deployment(source: &str, id: &str, time: DateTime<Utc>, changes: &[&str]) -> IncomingEvent {
    event(
        source,
        id,
        "deployment",
        time,
        json!({ "changeIds": changes }),
    )
}

/// Event `id` of deployment `deployment_id`: a deployment reported more than once is one
/// deployment, at the time of its latest event.
pub fn deployment_event(
    source: &str,
    id: &str,
    deployment_id: &str,
    time: DateTime<Utc>,
    changes: &[&str],
) -> IncomingEvent {
    let data = json!({"deploymentId": deployment_id, "changeIds": changes});
    event(source, id, "deployment", time, data)
}

/// Incident `incident` opened, blaming what `links` names (`deploymentId`, `changeIds`).
pub fn incident_opened(
    source: &str,
    id: &str,
    incident: &str,
    time: DateTime<Utc>,
    links: Value,
) -> IncomingEvent {
    let mut data = json!({"incidentId": incident});
    data.as_object_mut()
        .unwrap()
        .extend(links.as_object().unwrap().clone());
    event(source, id, "incident.opened", time, data)
}

pub fn incident_resolved(
    source: &str,
    id: &str,
    incident: &str,
    time: DateTime<Utc>,
) -> IncomingEvent {
    event(
        source,
        id,
        "incident.resolved",
        time,
        json!({"incidentId": incident}),
    )
}

/// A scanner reporting vulnerability `vulnerability` of `severity` in `source`'s artifact.
pub fn vulnerability_opened(
    source: &str,
    id: &str,
    vulnerability: &str,
    severity: &str,
    time: DateTime<Utc>,
) -> IncomingEvent {
    let data = json!({"vulnerabilityId": vulnerability, "severity": severity});
    event(source, id, "vulnerability.opened", time, data)
}

/// A scanner no longer reporting `vulnerability` in `source`'s artifact.
pub fn vulnerability_resolved(
    source: &str,
    id: &str,
    vulnerability: &str,
    time: DateTime<Utc>,
) -> IncomingEvent {
    let data = json!({"vulnerabilityId": vulnerability});
    event(source, id, "vulnerability.resolved", time, data)
}
