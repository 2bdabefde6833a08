use api::config::Config;
use domain::Role;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn health_and_readiness_need_no_token() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = server
            .client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], expected);
    }
    let response = server
        .client
        .get(format!("{}/nope", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_full_round_trip_over_http() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Member);
    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "mutation($i: CreateFactSheetInput!) { createFactSheet(input: $i) { factSheet { id name } } }",
                   "variables": {"i": {"type": "SoftwareArtifact", "name": "checkout", "attributes": {"language": "go"}}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = server.graphql(Some(&token), json!({"query": "query($id: ID!) { factSheet(id: $id) { name attributes history { edges { node { kind actor } } } } }", "variables": {"id": id}})).await;
    assert_eq!(
        body["data"]["factSheet"]["attributes"],
        json!({"language": "go"})
    );
    assert_eq!(
        body["data"]["factSheet"]["history"]["edges"][0]["node"],
        json!({"kind": "CREATED", "actor": "member@acme"})
    );

    let (status, body) = server
        .graphql(Some(&token), json!({"query": "mutation { createFactSheet(input: {type: \"Nope\", name: \"x\"}) { factSheet { id } } }"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "type");
}

#[tokio::test]
async fn refusals_happen_before_any_work() {
    let app = TestApp::new().await;
    let config = Config {
        max_body_bytes: 4096,
        max_batch_size: 3,
        ..Config::default()
    };
    let server = app.spawn(config);
    let token = server.token("acme", Role::Admin);
    let url = format!("{}/graphql", server.base);

    // A form post (CSRF-style, text/plain) is not executed.
    let response = server
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(r#"{"query":"mutation { createTag(input: {name: \"x\"}) { tag { id } } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    // GET serves GraphiQL and never executes, so no mutation can ride on a link.
    let response = server
        .client
        .get(format!(
            "{url}?query=mutation%7BcreateTag(input:%7Bname:%22x%22%7D)%7Btag%7Bid%7D%7D%7D"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("graphiql"));
    let (_, tags) = server
        .graphql(Some(&token), json!({"query": "{ tags { name } }"}))
        .await;
    assert_eq!(tags["data"]["tags"], json!([]), "nothing was created");

    let big = "x".repeat(8192);
    let (status, _) = server
        .graphql(
            Some(&token),
            json!({"query": format!("{{ viewer {{ subject }} }} # {big}")}),
        )
        .await;
    assert_eq!(status, 413);
    let batch: Vec<_> = (0..4)
        .map(|_| json!({"query": "{ viewer { subject } }"}))
        .collect();
    let (status, body) = server.graphql(Some(&token), json!(batch)).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    let batch: Vec<_> = (0..3)
        .map(|_| json!({"query": "{ viewer { role } }"}))
        .collect();
    let (status, body) = server.graphql(Some(&token), json!(batch)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 3);
    // Valid JSON without a query is a GraphQL error; a body that is not JSON at all is a 400.
    let (status, body) = server
        .graphql(Some(&token), json!({"nonsense": true}))
        .await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (200, Some("BAD_USER_INPUT")),
        "{body}"
    );
    let response = server
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    let deep = format!(
        "{{ factSheets {{ edges {{ node {{ {} id {} }} }} }} }}",
        "parent {".repeat(30),
        "}".repeat(30)
    );
    let (status, body) = server.graphql(Some(&token), json!({"query": deep})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("levels deep"),
        "{body}"
    );
}
