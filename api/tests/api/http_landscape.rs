//! The change feed and the landscape `asOf` an instant, through the real server with a token.

use std::time::Duration;

use api::config::Config;
use chrono::{SecondsFormat, Utc};
use domain::Role;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_member_reads_the_change_feed_and_the_landscape_as_of_an_instant_over_http() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let create =
        "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id } } }";
    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": create, "variables": {"i": {"type": "SoftwareArtifact", "name": "Checkout"}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["createFactSheet"]["factSheet"]["id"].clone();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let then = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "mutation($id: ID!) { updateFactSheet(input: {id: $id, name: \"Checkout v2\"}) { factSheet { id } } }",
                   "variables": {"id": id}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "{ changes(filter: {types: [\"SoftwareArtifact\"]}, first: 5) { edges { node { kind actor factSheet { name } } } } }"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["changes"]["edges"],
        json!([
            {"node": {"kind": "UPDATED", "actor": "member@acme", "factSheet": {"name": "Checkout v2"}}},
            {"node": {"kind": "CREATED", "actor": "member@acme", "factSheet": {"name": "Checkout v2"}}},
        ])
    );

    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "query($t: DateTime) { factSheets(asOf: $t) { totalCount edges { node { name revision } } } }",
                   "variables": {"t": then}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["factSheets"],
        json!({"totalCount": 1, "edges": [{"node": {"name": "Checkout", "revision": 1}}]})
    );
}
