//! A metric window reads only the facts it can depend on (`metrics::load::load_window_facts`).
//! These cases sit on the edges of that pruning: each metric is asserted by value, and equal to
//! what the full history gives.

use domain::{
    events::{self, IncomingEvent},
    meta_model, meta_model_versions, metrics,
    metrics::{BucketSize, MetricWindow, Metrics},
};
use serde_json::json;
use testkit::{
    TestDb,
    facts::{at, change, deployment_event, incident_opened, incident_resolved},
};

use crate::events::{assert_same_as_full_history, workspace};

/// The window `[day 10, day 17)`: its metrics as served, checked against the full history.
async fn window_metrics(db: &TestDb, slug: &str, stream: Vec<IncomingEvent>) -> Metrics {
    let (principal, fact_sheet) = workspace(db, slug).await;
    events::ingest(db.conn(), &principal, events::validate(stream).unwrap())
        .await
        .unwrap();
    let model = meta_model_versions::current(db.conn(), &principal)
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
        metrics::Needs::ALL,
    )
    .await
    .unwrap();
    assert_same_as_full_history(db, principal.workspace_id, &window, &served).await;
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
            change("svc", "C5", at(0, 0)),
            deployment_event("svc", "E1", "D1", at(0, 15), &["C5"]),
            deployment_event("svc", "E2", "D2", at(6, 12), &["C5"]),
            deployment_event("svc", "E3", "D1", at(7, 4), &[]),
            incident_opened("svc", "E4", "I0", at(0, 1), json!({"changeIds": ["C5"]})),
            incident_opened("svc", "E5", "I1", at(0, 2), json!({"deploymentId": "D2"})),
        ],
    )
    .await;
    assert_eq!(m.failed_deployment_recovery_time.open_count, 1);
    assert_eq!(m.time_to_restore.open_count, 2);
}

#[tokio::test]
async fn incidents_settled_before_the_window_count_where_they_link_what_the_window_shows() {
    let db = TestDb::new().await;
    let m = window_metrics(
        &db,
        "settled",
        vec![
            // Settled, naming a window deployment by id: D3 failed.
            incident_opened("svc", "E1", "I1", at(2, 0), json!({"deploymentId": "D3"})),
            incident_resolved("svc", "E2", "I1", at(2, 1)),
            deployment_event("svc", "E3", "D3", at(11, 0), &[]),
            // Settled, blaming a change the window deploys first: D4 failed.
            incident_opened("svc", "E4", "I2", at(3, 0), json!({"changeIds": ["C9"]})),
            incident_resolved("svc", "E5", "I2", at(3, 1)),
            change("svc", "C9", at(9, 0)),
            deployment_event("svc", "E6", "D4", at(12, 0), &["C9"]),
            // D1 before the window, linked by a settled incident (opened day 1) and by one
            // resolved in the window (day 11): its recovery runs from day 1 to day 11.
            deployment_event("svc", "E7", "D1", at(0, 12), &[]),
            incident_opened("svc", "E8", "I3", at(1, 0), json!({"deploymentId": "D1"})),
            incident_resolved("svc", "E9", "I3", at(2, 0)),
            incident_opened("svc", "E10", "I4", at(8, 0), json!({"deploymentId": "D1"})),
            incident_resolved("svc", "E11", "I4", at(11, 0)),
            // Settled and linking nothing the window shows: no effect.
            deployment_event("svc", "E12", "D0", at(0, 6), &[]),
            incident_opened("svc", "E13", "I5", at(1, 0), json!({"deploymentId": "D0"})),
            incident_resolved("svc", "E14", "I5", at(1, 6)),
            // Open since before the window, and reopened after a resolve: both open at its end.
            incident_opened("svc", "E15", "I6", at(4, 0), json!({})),
            incident_opened("svc", "E16", "I7", at(4, 0), json!({})),
            incident_resolved("svc", "E17", "I7", at(5, 0)),
            incident_opened("svc", "E18", "I7", at(6, 0), json!({})),
        ],
    )
    .await;
    let cfr = &m.change_failure_rate;
    assert_eq!((cfr.deployments, cfr.failed_deployments), (2, 2));
    let recovery = &m.failed_deployment_recovery_time;
    assert_eq!(recovery.stats.count, 1);
    assert_eq!(recovery.stats.p50_seconds, Some(10.0 * 86_400.0));
    let restore = &m.time_to_restore;
    assert_eq!(restore.stats.count, 1, "only I4 resolves in the window");
    assert_eq!(restore.open_count, 2);
    assert_eq!(restore.oldest_open_seconds, Some(13.0 * 86_400.0));
}

/// A fact sheet fed by two sources: a change of one source deployed by the other's deployment
/// gets its lead time both ways a window finds its changes: by the database from the window's
/// deployments (a read alone) and by the list of their ids (under load).
#[tokio::test]
async fn a_change_of_one_source_deployed_from_another_counts_in_the_window() {
    use domain::{
        external_ids::ExternalId,
        fact_sheets::{self, NewFactSheet},
    };
    let db = TestDb::new().await;
    let (principal, _) = workspace(&db, "two-sources").await;
    let model = meta_model_versions::current(db.conn(), &principal)
        .await
        .unwrap()
        .model;
    let source = |value: &str| ExternalId {
        namespace: "eventSource".into(),
        value: value.into(),
    };
    let sheet = fact_sheets::create(
        db.conn(),
        &principal,
        &model,
        NewFactSheet {
            fact_sheet_type: "SoftwareArtifact".into(),
            name: "web and api".into(),
            external_ids: vec![source("web"), source("api")],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let stream = vec![
        // C1 (api) is deployed by web's D1 in the window, after 24 hours.
        change("api", "C1", at(11, 0)),
        deployment_event("web", "E1", "D1", at(12, 0), &["C1"]),
        // C2 (web) deployed by api before the window: not a lead time of this window.
        change("web", "C2", at(1, 0)),
        deployment_event("api", "E2", "D2", at(2, 0), &["C2"]),
        // C3 (web) deployed by api in the window, after 2 hours; named again by web's D3.
        change("web", "C3", at(13, 0)),
        deployment_event("api", "E3", "D4", at(13, 2), &["C3"]),
        deployment_event("web", "E4", "D3", at(14, 0), &["C3", "C2"]),
    ];
    events::ingest(db.conn(), &principal, events::validate(stream).unwrap())
        .await
        .unwrap();
    let window = MetricWindow::new(at(10, 0), at(17, 0), BucketSize::Week, chrono_tz::UTC).unwrap();
    let served = all_metrics(db.conn(), &principal, &model, sheet.id, &window).await;
    let sources = ["web".to_string(), "api".to_string()];
    let all = metrics::load::load_facts(db.conn(), principal.workspace_id, &sources, window.to)
        .await
        .unwrap();
    assert_eq!(served, metrics::compute(&all, &window, &Default::default()));
    // A transaction never runs alone: there the window's change ids go back as a list, the
    // way taken under load. Same result.
    let tx = sea_orm::TransactionTrait::begin(db.conn()).await.unwrap();
    let listed = all_metrics(&tx, &principal, &model, sheet.id, &window).await;
    assert_eq!(listed, served);
    let lead = &served.lead_time;
    assert_eq!(lead.stats.count, 2, "{lead:?}");
    assert_eq!(lead.pending_changes, 0);
    assert_eq!(lead.stats.p50_seconds, Some(13.0 * 3600.0));
}

/// Every metric family of `fact_sheet` over `window`, read through `db`.
async fn all_metrics(
    db: &impl domain::db::Siblings,
    principal: &domain::Principal,
    model: &meta_model::MetaModel,
    fact_sheet: uuid::Uuid,
    window: &MetricWindow,
) -> Metrics {
    metrics::for_fact_sheet(
        db,
        principal,
        model,
        fact_sheet,
        window,
        metrics::Needs::ALL,
    )
    .await
    .unwrap()
}
