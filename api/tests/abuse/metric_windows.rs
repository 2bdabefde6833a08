//! Metric windows cannot be made to cost the server seconds and gigabytes: a window beyond the
//! configured length or bucket count is refused before anything is read, windows far outside
//! the calendar are bad input, and the server keeps answering health checks while a viewer
//! sends such windows as fast as it can.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};

use crate::{
    HealthProbe,
    support::{Server, TestApp, code},
};

const METRICS: &str = "query($id: ID!, $from: DateTime!, $to: DateTime!, $bucket: Bucket!) {
  factSheet(id: $id) { metrics(window: {from: $from, to: $to, bucket: $bucket}) {
    deploymentFrequency { deployments buckets { start deployments } }
    flow { velocity buckets { start velocity } }
  } } }";

async fn artifact(app: &TestApp) -> String {
    let sheet = app.create_fact_sheet("SoftwareArtifact", "checkout").await;
    sheet.id.to_string()
}

async fn window(
    server: &Server,
    token: &str,
    id: &str,
    from: &str,
    to: &str,
    bucket: &str,
) -> Value {
    let (status, body) = server
        .graphql(
            Some(token),
            json!({"query": METRICS, "variables": {"id": id, "from": from, "to": to, "bucket": bucket}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_window_beyond_the_limits_is_refused_naming_both() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let id = artifact(&app).await;
    let server = app.spawn(Config::default());
    let viewer = server.token("acme", Role::Viewer);
    // Three years of days: within the length, over the bucket count.
    let body = window(
        &server,
        &viewer,
        &id,
        "2024-01-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
        "DAY",
    )
    .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("3660 days") && message.contains("1000 buckets"),
        "{message}"
    );
    // Eleven years of months: few buckets, over the length.
    let body = window(
        &server,
        &viewer,
        &id,
        "2020-01-01T00:00:00Z",
        "2031-01-01T00:00:00Z",
        "MONTH",
    )
    .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
    // The limits are settings.
    let wider = app.spawn(Config {
        metrics_max_window_days: 5_000,
        ..Config::default()
    });
    let body = window(
        &wider,
        &wider.token("acme", Role::Viewer),
        &id,
        "2020-01-01T00:00:00Z",
        "2031-01-01T00:00:00Z",
        "MONTH",
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["factSheet"]["metrics"]["deploymentFrequency"]["buckets"]
            .as_array()
            .map(Vec::len),
        Some(132)
    );
    // Within both, the same query answers.
    let body = window(
        &server,
        &viewer,
        &id,
        "2024-01-01T00:00:00Z",
        "2025-01-01T00:00:00Z",
        "DAY",
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn a_window_outside_the_calendar_is_bad_input_not_an_internal_error() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let id = artifact(&app).await;
    let server = app.spawn(Config::default());
    let viewer = server.token("acme", Role::Viewer);
    for (from, to, field) in [
        (
            "0000-01-01T00:00:00Z",
            "2024-01-01T00:00:00Z",
            "window.from",
        ),
        (
            "2024-01-01T00:00:00Z",
            "9999-12-31T23:30:00-01:00",
            "window.to",
        ),
    ] {
        let body = window(&server, &viewer, &id, from, to, "MONTH").await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{from}..{to}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{body}"
        );
    }
}

/// The window that took a server to 15 GB, sent sixteen at a time by a viewer: each is refused
/// before it is computed, and health checks answer promptly throughout.
#[tokio::test]
async fn windows_over_centuries_are_refused_while_health_answers() {
    let _turn = crate::one_at_a_time().await;
    let app = TestApp::new().await;
    let id = artifact(&app).await;
    let server = app.spawn(Config::default());
    let viewer = server.token("acme", Role::Viewer);
    let probe = HealthProbe::start(&server);
    for _ in 0..4 {
        let requests = (0..16).map(|_| {
            window(
                &server,
                &viewer,
                &id,
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:01:00Z",
                "DAY",
            )
        });
        for body in futures::future::join_all(requests).await {
            assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
        }
    }
    probe.assert_answered_promptly().await;
}
