//! `metrics(window: {last: …})`: a window of an ISO 8601 duration ending now, beside
//! `from`/`to`.

use api::config::Config;
use chrono::{Duration, SecondsFormat, Utc};
use domain::Role;
use serde_json::{Value, json};

use crate::http_events::{ev, post_batch};
use crate::support::{Server, TestApp, code};

async fn metrics(server: &Server, token: &str, id: &str, window: Value) -> Value {
    let (status, body) = server
        .graphql(
            Some(token),
            json!({"query": "query($id: ID!, $w: MetricWindowInput!) { factSheet(id: $id) { metrics(window: $w) { deploymentFrequency { deployments buckets { start } } } } }",
                   "variables": {"id": id, "w": window}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_last_window_ends_now_and_bad_ones_name_window_last() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let (_, body) = server
        .graphql(
            Some(&token),
            json!({"query": "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }",
                   "variables": {"i": {"type": "SoftwareArtifact", "name": "checkout", "externalIds": [{"namespace": "eventSource", "value": "checkout"}]}}}),
        )
        .await;
    let id = body["data"]["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let ago = |d: Duration| (Utc::now() - d).to_rfc3339_opts(SecondsFormat::Secs, true);
    let events = [
        ("recent", ago(Duration::hours(1))),
        ("older", ago(Duration::days(10))),
    ]
    .map(|(d, time)| {
        ev(
            d,
            "deployment",
            &time,
            json!({"deploymentId": d, "changeIds": []}),
        )
    });
    let (status, body) = post_batch(&server, &token, &events).await;
    assert_eq!(status, 202, "{body}");

    let body = metrics(
        &server,
        &token,
        &id,
        json!({"last": "P7D", "bucket": "DAY"}),
    )
    .await;
    let df = &body["data"]["factSheet"]["metrics"]["deploymentFrequency"];
    assert_eq!(df["deployments"], 1, "{body}");
    // Seven days ending now touch eight calendar days, or seven exactly at midnight.
    let days = df["buckets"].as_array().unwrap().len();
    assert!((7..=8).contains(&days), "{body}");
    let body = metrics(&server, &token, &id, json!({"last": "P2W"})).await;
    assert_eq!(
        body["data"]["factSheet"]["metrics"]["deploymentFrequency"]["deployments"], 2,
        "{body}"
    );

    let from = "2024-01-01T00:00:00Z";
    for (window, field) in [
        (json!({"last": "P1M"}), "window.last"),
        (json!({"last": "30d"}), "window.last"),
        (json!({"last": "P7D", "from": from}), "window.from"),
        (json!({"last": "P7D", "to": from}), "window.to"),
        (json!({"to": from}), "window.from"),
        (json!({"from": from}), "window.to"),
    ] {
        let body = metrics(&server, &token, &id, window.clone()).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{window}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(field), "{window}: {body}");
    }
    // The existing window limits apply: more than 1,000 day buckets.
    let body = metrics(
        &server,
        &token,
        &id,
        json!({"last": "P2000D", "bucket": "DAY"}),
    )
    .await;
    assert_eq!(code(&body), "LIMIT_EXCEEDED", "{body}");
}
