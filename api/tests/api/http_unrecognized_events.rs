//! An event of a type outside the vocabulary over HTTP: acknowledged and counted apart in every
//! mode, listed with its fact sheet's events, and counted in no metric.

use api::config::Config;
use domain::Role;
use serde_json::{Value, json};

use crate::{
    http_events::{create_artifact, ev, post_batch},
    support::Server,
    support::TestApp,
};

async fn listed(server: &Server, token: &str, id: &str) -> Vec<(String, String)> {
    let (_, body) = server
        .graphql(
            Some(token),
            json!({"query": "query($id: ID!) { factSheet(id: $id) { events { edges { node { id type } } } } }", "variables": {"id": id}}),
        )
        .await;
    body["data"]["factSheet"]["events"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| {
            let node = &e["node"];
            (
                node["id"].as_str().unwrap().to_owned(),
                node["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn deployments(server: &Server, token: &str, id: &str) -> Value {
    let (_, body) = server
        .graphql(Some(token), json!({"query": r#"query($id: ID!) { factSheet(id: $id) { metrics(window: {from: "2024-03-04T00:00:00Z", to: "2024-03-11T00:00:00Z"}) { deploymentFrequency { deployments } } } }"#, "variables": {"id": id}}))
        .await;
    body["data"]["factSheet"]["metrics"]["deploymentFrequency"]["deployments"].clone()
}

#[tokio::test]
async fn an_event_of_an_unknown_type_is_stored_listed_and_counted_in_no_metric() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let id = create_artifact(&server, &token, "checkout", "checkout").await;
    let batch = [
        ev(
            "D1",
            "deployment",
            "2024-03-05T12:00:00Z",
            json!({"changeIds": []}),
        ),
        ev(
            "D2",
            "deploymnet",
            "2024-03-06T12:00:00Z",
            json!({"changeIds": []}),
        ),
    ];
    let (status, body) = post_batch(&server, &token, &batch).await;
    assert_eq!(
        (status, body),
        (
            202,
            json!({"accepted": 2, "duplicates": 0, "unrecognized": 1})
        )
    );
    assert_eq!(
        listed(&server, &token, &id).await,
        [
            ("D2".to_owned(), "dev.wayfinder.deploymnet".to_owned()),
            ("D1".to_owned(), "dev.wayfinder.deployment".to_owned()),
        ]
    );
    assert_eq!(
        deployments(&server, &token, &id).await,
        json!(1),
        "the misspelt deployment counts nowhere"
    );

    let (status, body) = post_batch(&server, &token, &batch).await;
    assert_eq!(
        (status, body),
        (
            202,
            json!({"accepted": 0, "duplicates": 2, "unrecognized": 0})
        )
    );

    // One event, structured mode then binary mode: the same answer shape.
    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/cloudevents+json")
        .body(ev("S1", "build.finished", "2024-03-06T13:00:00Z", json!({})).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"accepted": 1, "duplicates": 0, "unrecognized": 1})
    );
    let response = server
        .client
        .post(format!("{}/events", server.base))
        .bearer_auth(&token)
        .header("ce-specversion", "1.0")
        .header("ce-type", "com.example.build.finished")
        .header("ce-id", "B1")
        .header("ce-source", "checkout")
        .header("ce-time", "2024-03-06T14:00:00Z")
        .header("content-type", "text/plain")
        .body("green")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"accepted": 1, "duplicates": 0, "unrecognized": 1})
    );
    assert_eq!(listed(&server, &token, &id).await.len(), 4);
    assert_eq!(deployments(&server, &token, &id).await, json!(1));
}
