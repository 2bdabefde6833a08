//! A metric window reads only the facts it can depend on (`events::load_window_facts`). These
//! cases sit on the edges of that pruning: each metric is asserted by value, and equal to what
//! the full history gives.

use chrono::{DateTime, Duration, Utc};
use domain::{
    events::{self, IncomingEvent},
    meta_model, metrics,
    metrics::{BucketSize, MetricWindow, Metrics},
};
use serde_json::{Value, json};
use testkit::TestDb;

use crate::events::{base, workspace};

fn at(day: i64, hour: i64) -> DateTime<Utc> {
    base() + Duration::days(day) + Duration::hours(hour)
}

fn event(id: &str, kind: &str, time: DateTime<Utc>, data: Value) -> IncomingEvent {
    IncomingEvent {
        source: "svc".into(),
        id: id.into(),
        event_type: format!("dev.wayfinder.{kind}"),
        time: Some(time),
        subject: None,
        data: Some(data),
    }
}

fn deployment(id: &str, deployment: &str, time: DateTime<Utc>, changes: &[&str]) -> IncomingEvent {
    let data = json!({"deploymentId": deployment, "changeIds": changes});
    event(id, "deployment", time, data)
}

fn opened(id: &str, incident: &str, time: DateTime<Utc>, links: Value) -> IncomingEvent {
    let mut data = json!({"incidentId": incident});
    data.as_object_mut()
        .unwrap()
        .extend(links.as_object().unwrap().clone());
    event(id, "incident.opened", time, data)
}

fn resolved(id: &str, incident: &str, time: DateTime<Utc>) -> IncomingEvent {
    event(
        id,
        "incident.resolved",
        time,
        json!({"incidentId": incident}),
    )
}

/// The window `[day 10, day 17)`: its metrics as served, checked against the full history.
async fn window_metrics(db: &TestDb, slug: &str, stream: Vec<IncomingEvent>) -> Metrics {
    let (principal, fact_sheet) = workspace(db, slug).await;
    events::ingest(db.conn(), &principal, events::validate(stream).unwrap())
        .await
        .unwrap();
    let model = meta_model::current(db.conn(), &principal)
        .await
        .unwrap()
        .model;
    let window = MetricWindow::new(at(10, 0), at(17, 0), BucketSize::Week, chrono_tz::UTC).unwrap();
    let served = metrics::for_fact_sheet(
        db.conn(),
        &principal,
        &model,
        fact_sheet,
        &window,
        events::Needs::ALL,
    )
    .await
    .unwrap();
    let all = events::load_facts(
        db.conn(),
        principal.workspace_id,
        &["svc".to_string()],
        window.to,
    )
    .await
    .unwrap();
    assert_eq!(
        served,
        metrics::compute(&all, &window, &Default::default()),
        "the pruned load changed a result"
    );
    served
}

#[tokio::test]
async fn an_earlier_deployment_is_timed_by_its_latest_event_even_when_it_names_nothing_relevant() {
    let db = TestDb::new().await;
    // D1's early event names C5, its latest none: D1 is at day 7, so D2 (day 6) deploys C5
    // first and the incident blaming C5 blames D2, like the one naming D2.
    let m = window_metrics(
        &db,
        "latest-event",
        vec![
            change_event("C5", at(0, 0)),
            deployment("E1", "D1", at(0, 15), &["C5"]),
            deployment("E2", "D2", at(6, 12), &["C5"]),
            deployment("E3", "D1", at(7, 4), &[]),
            opened("E4", "I0", at(0, 1), json!({"changeIds": ["C5"]})),
            opened("E5", "I1", at(0, 2), json!({"deploymentId": "D2"})),
        ],
    )
    .await;
    assert_eq!(m.failed_deployment_recovery_time.open_count, 1);
    assert_eq!(m.time_to_restore.open_count, 2);
}

fn change_event(id: &str, time: DateTime<Utc>) -> IncomingEvent {
    event(id, "change", time, json!({}))
}
