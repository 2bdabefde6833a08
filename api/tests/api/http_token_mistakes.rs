//! The token mistakes a new integration makes, over the real HTTP server: a raw API token sent
//! as a bearer token is told where it is exchanged (whether or not it is valid), and the
//! exchange endpoint called with the wrong method names the right one.

use api::config::Config;
use domain::{Role, api_tokens::TokenSecret};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Server, TestApp, code};

const CREATE: &str = "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }";

async fn real_api_token(server: &Server) -> String {
    let admin = server.token("acme", Role::Admin);
    let input = json!({"name": "CI", "role": "MEMBER", "ttl": "30d"});
    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({"query": CREATE, "variables": {"i": input}}),
        )
        .await;
    body["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body:#}"))
        .to_owned()
}

fn assert_told_to_exchange(case: &str, status: u16, body: &Value) {
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(code(body), "UNAUTHENTICATED", "{case}: {body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("POST /auth/token") && message.contains("access token"),
        "{case}: {message}"
    );
}

#[tokio::test]
async fn a_raw_api_token_as_bearer_is_told_to_exchange_it_whether_or_not_it_is_valid() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let real = real_api_token(&server).await;
    let made_up = TokenSecret::generate(Uuid::now_v7(), Uuid::now_v7());
    let mut messages = Vec::new();
    for (case, token) in [("valid", real.as_str()), ("made up", made_up.expose())] {
        let (status, body) = server
            .graphql(Some(token), json!({"query": "{ viewer { role } }"}))
            .await;
        assert_told_to_exchange(&format!("{case} on /graphql"), status, &body);
        messages.push(body["errors"][0]["message"].clone());
        let (status, body) = server.post_deployment(Some(token), "d-1").await;
        assert_told_to_exchange(&format!("{case} on /events"), status, &body);
        messages.push(body["errors"][0]["message"].clone());
    }
    assert!(
        messages.iter().all(|m| *m == messages[0]),
        "the answer must not tell a valid token from a made-up one: {messages:?}"
    );
    // Any other bad token keeps the plain refusal.
    let (status, body) = server
        .graphql(Some("not-a-token"), json!({"query": "{ viewer { role } }"}))
        .await;
    assert_eq!(status, 401);
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/auth/token"),
        "{body}"
    );
}

#[tokio::test]
async fn get_on_the_token_endpoint_is_a_405_that_allows_post() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let response = server
        .client
        .get(format!("{}/auth/token", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("POST"),
        "{body}"
    );
}
