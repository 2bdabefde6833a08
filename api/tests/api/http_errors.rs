//! A failure of the server reaches the client the same way from every endpoint: INTERNAL with
//! an incident id to quote, and nothing of the cause.

use api::config::Config;
use domain::Role;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    http_events::{ev, post_batch},
    support::TestApp,
};

#[tokio::test]
async fn a_store_failure_while_ingesting_events_is_an_incident_like_any_other() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    app.db
        .conn()
        .execute_unprepared("ALTER TABLE events RENAME TO events_out_of_reach")
        .await
        .unwrap();

    let (status, body) = post_batch(
        &server,
        &token,
        &[ev("C1", "change", "2024-03-04T09:00:00Z", json!({}))],
    )
    .await;

    assert_eq!(status, 500, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["extensions"], json!({"code": "INTERNAL"}), "{body}");
    let incident = error["message"]
        .as_str()
        .and_then(|m| m.strip_prefix("internal error (incident "))
        .and_then(|m| m.strip_suffix(')'));
    assert!(
        incident.is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        "not the message every endpoint gives a failure: {body}"
    );
}
