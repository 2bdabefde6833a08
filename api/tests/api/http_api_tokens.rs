//! Technical users over the real HTTP server: an admin creates an API token through GraphQL,
//! an integration exchanges it at `POST /auth/token` (LeanIX style or JSON) for a short-lived
//! JWT and posts events with it; revocation, expiry, a wrong secret, a deleted workspace all
//! end in a 401 without detail, and the security log names why without ever holding a secret.

use api::config::Config;
use chrono::{Duration, Utc};
use domain::{Role, workspaces};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Server, TestApp, assert_unauthenticated, security_log};

const CREATE: &str = "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token apiToken { id name role createdBy createdAt expiresAt revokedAt lastUsedAt } } }";
const LIST: &str = "{ apiTokens { id name role revokedAt lastUsedAt } }";
const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { id revokedAt } } }";

/// Creates an API token as an admin of `workspace`; returns (token, apiToken).
async fn create(server: &Server, workspace: &str, input: Value) -> (String, Value) {
    let admin = server.token(workspace, Role::Admin);
    let (status, body) = server
        .graphql(
            Some(&admin),
            json!({"query": CREATE, "variables": {"i": input}}),
        )
        .await;
    assert_eq!(status, 200);
    let payload = &body["data"]["createApiToken"];
    let token = payload["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body:#}"))
        .to_owned();
    (token, payload["apiToken"].clone())
}

/// `POST /auth/token` as LeanIX clients call it.
async fn exchange_basic(server: &Server, token: &str) -> (u16, Option<String>, Value) {
    let response = server
        .client
        .post(format!("{}/auth/token", server.base))
        .basic_auth("apitoken", Some(token))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, response.json().await.unwrap_or(Value::Null))
}

async fn exchange_json(server: &Server, body: Value) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/auth/token", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

/// The token with one character of its random part changed. A middle one: the last character
/// of unpadded base64 carries unused bits, and changing those makes the token malformed rather
/// than wrong.
fn with_wrong_secret(token: &str) -> String {
    let mut wrong = token.to_owned();
    let other = if &token[90..91] == "A" { "B" } else { "A" };
    wrong.replace_range(90..91, other);
    wrong
}

fn assert_refused(case: &str, status: u16, body: &Value) {
    assert_unauthenticated(case, status, body, "a valid API token is required");
}

async fn list(server: &Server) -> Value {
    let admin = server.token("acme", Role::Admin);
    let (_, body) = server.graphql(Some(&admin), json!({"query": LIST})).await;
    body["data"]["apiTokens"].clone()
}

#[tokio::test]
async fn an_api_token_becomes_a_jwt_that_posts_events_until_it_is_revoked() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (token, created) = create(
        &server,
        "acme",
        json!({"name": "CI pipeline", "role": "MEMBER", "ttl": "30d"}),
    )
    .await;
    assert!(token.starts_with("wf_"), "{token}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["role"], "MEMBER");
    assert_eq!(created["createdBy"], "admin@acme");
    assert_eq!(created["lastUsedAt"], Value::Null);
    let expires: chrono::DateTime<Utc> = created["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(
        (expires - (Utc::now() + Duration::days(30)))
            .num_seconds()
            .abs()
            < 60
    );
    // Listed, and never with its secret.
    let listed = list(&server).await;
    assert_eq!(listed[0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&token));
    let row = entity::api_token::Entity::find()
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert!(!row.token_hash.contains(&token[70..]) && row.token_hash.len() == 64);

    let (status, cache, body) = exchange_basic(&server, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    let jwt = body["access_token"].as_str().unwrap().to_owned();
    let (status, _) = server.post_deployment(Some(&jwt), "deploy-1").await;
    assert_eq!(status, 202);
    let (_, viewer) = server
        .graphql(
            Some(&jwt),
            json!({"query": "{ viewer { subject workspace role } }"}),
        )
        .await;
    assert_eq!(
        viewer["data"]["viewer"],
        json!({"subject": format!("apitoken:{}", id.replace('-', "")), "workspace": "acme", "role": "MEMBER"})
    );
    assert!(
        list(&server).await[0]["lastUsedAt"].is_string(),
        "last use recorded"
    );
    // A member technical user cannot mint more tokens.
    let (_, body) = server
        .graphql(
            Some(&jwt),
            json!({"query": CREATE, "variables": {"i": {"name": "x", "role": "VIEWER", "ttl": "1d"}}}),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // The JSON form works as well.
    let (status, body) = exchange_json(&server, json!({"token": token})).await;
    assert_eq!(status, 200, "{body}");

    let admin = server.token("acme", Role::Admin);
    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({"query": REVOKE, "variables": {"id": id}}),
        )
        .await;
    assert!(
        body["data"]["revokeApiToken"]["apiToken"]["revokedAt"].is_string(),
        "{body}"
    );
    let (status, _, body) = exchange_basic(&server, &token).await;
    assert_refused("revoked", status, &body);
    // Access tokens minted before the revocation stop working at once.
    let (status, body) = server.post_deployment(Some(&jwt), "deploy-2").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(app.stored_events().await, 1);
}

#[tokio::test]
async fn bad_api_tokens_are_refused_without_detail_or_side_effect() {
    let app = TestApp::new().await;
    let globex = app.other_workspace().await;
    let server = app.spawn(Config::default());
    let (token, created) = create(
        &server,
        "acme",
        json!({"name": "sync", "role": "VIEWER", "ttl": "1d"}),
    )
    .await;
    let (expired, expired_row) = create(
        &server,
        "acme",
        json!({"name": "old", "role": "VIEWER", "ttl": "1h"}),
    )
    .await;
    let expired_id = Uuid::parse_str(expired_row["id"].as_str().unwrap()).unwrap();
    entity::api_token::Entity::update_many()
        .col_expr(
            entity::api_token::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(entity::api_token::Column::Id.eq(expired_id))
        .exec(app.db.conn())
        .await
        .unwrap();
    let (of_deleted, _) = create(
        &server,
        "globex",
        json!({"name": "gone", "role": "ADMIN", "ttl": "1d"}),
    )
    .await;
    workspaces::delete(app.db.conn(), &globex.workspace_slug)
        .await
        .unwrap();
    let wrong_secret = with_wrong_secret(&token);
    let unknown_id = format!(
        "{}{}{}",
        &token[..36],
        Uuid::now_v7().simple(),
        &token[68..]
    );
    let cases = [
        ("malformed", "not-a-token".to_owned()),
        ("truncated", token[..token.len() - 1].to_owned()),
        ("wrong secret", wrong_secret),
        ("unknown id", unknown_id),
        ("expired", expired),
        ("deleted workspace", of_deleted),
    ];
    for (case, presented) in &cases {
        let (status, _, body) = exchange_basic(&server, presented).await;
        assert_refused(case, status, &body);
        let (status, body) = exchange_json(&server, json!({"token": presented})).await;
        assert_refused(case, status, &body);
    }
    let other_user = server
        .client
        .post(format!("{}/auth/token", server.base))
        .basic_auth("admin", Some(&token))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_user.status().as_u16(),
        401,
        "only the user `apitoken`"
    );
    let (status, body) = exchange_json(&server, json!({"secret": token})).await;
    assert_refused("not a token request", status, &body);
    let no_grant = server
        .client
        .post(format!("{}/auth/token", server.base))
        .basic_auth("apitoken", Some(&token))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_grant.status().as_u16(), 400);
    // None of the refusals counted as a use.
    let listed = list(&server).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["lastUsedAt"].is_null()),
        "{listed}"
    );
    // The good token still works: the refusals were about the presented tokens.
    assert_eq!(exchange_basic(&server, &token).await.0, 200);
    assert_eq!(created["role"], "VIEWER");
}

#[tokio::test]
async fn access_tokens_never_outlive_their_api_token() {
    let app = TestApp::new().await;
    let server = app.spawn(Config {
        api_token_jwt_ttl_secs: 900,
        ..Config::default()
    });
    let (long, _) = create(
        &server,
        "acme",
        json!({"name": "long", "role": "VIEWER", "ttl": "30d"}),
    )
    .await;
    assert_eq!(exchange_basic(&server, &long).await.2["expires_in"], 900);
    let soon = Utc::now() + Duration::seconds(120);
    let (short, _) = create(
        &server,
        "acme",
        json!({"name": "short", "role": "VIEWER", "expiresAt": soon.to_rfc3339()}),
    )
    .await;
    let expires_in = exchange_basic(&server, &short).await.2["expires_in"]
        .as_i64()
        .unwrap();
    assert!((100..=120).contains(&expires_in), "{expires_in}");
}

#[tokio::test]
async fn token_creation_and_refusals_are_logged_without_secrets() {
    security_log();
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (token, created) = create(
        &server,
        "acme",
        json!({"name": "logged", "role": "MEMBER", "ttl": "1d"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let wrong = with_wrong_secret(&token);
    exchange_basic(&server, &wrong).await;
    let jwt = exchange_basic(&server, &token).await.2["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = server.token("acme", Role::Admin);
    server
        .graphql(
            Some(&admin),
            json!({"query": REVOKE, "variables": {"id": id}}),
        )
        .await;
    server.post_deployment(Some(&jwt), "after-revoke").await;

    let log = security_log();
    let subject = format!("apitoken:{}", id.replace('-', ""));
    let events: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            e["fields"]["token_id"] == id.as_str() || e["fields"]["subject"] == subject.as_str()
        })
        .collect();
    let reasons: Vec<&str> = events
        .iter()
        .map(|e| e["fields"]["reason"].as_str().unwrap_or_default())
        .collect();
    for expected in [
        "api token created",
        "api token secret does not match",
        "api token exchanged",
        "api token revoked",
        "api token revoked, expired or unknown",
    ] {
        assert!(reasons.contains(&expected), "{expected} not in {reasons:?}");
    }
    for event in &events {
        assert_eq!(event["target"], "security");
        assert_eq!(event["fields"]["workspace"], "acme", "{event}");
        assert!(event["fields"]["subject"].is_string(), "{event}");
    }
    for secret in [&token[..], &wrong, &jwt, &token[70..], &wrong[70..]] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[tokio::test]
async fn changes_made_through_an_api_token_name_it_even_after_it_is_revoked() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let (token, created) = create(
        &server,
        "acme",
        json!({"name": "CI pipeline", "role": "MEMBER", "ttl": "30d"}),
    )
    .await;
    let (_, _, body) = exchange_basic(&server, &token).await;
    let jwt = body["access_token"].as_str().unwrap().to_owned();
    let (_, body) = server
        .graphql(
            Some(&jwt),
            json!({"query": "mutation { createFactSheet(input: {type: \"Team\", name: \"Payments\"}) { factSheet { id } } }"}),
        )
        .await;
    let id = body["data"]["createFactSheet"]["factSheet"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body:#}"))
        .to_owned();
    let admin = server.token("acme", Role::Admin);
    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({"query": "mutation($id: ID!) { archiveFactSheet(id: $id) { factSheet { id } } }", "variables": {"id": id}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body:#}");
    server
        .graphql(
            Some(&admin),
            json!({"query": REVOKE, "variables": {"id": created["id"]}}),
        )
        .await;

    let (_, body) = server
        .graphql(
            Some(&admin),
            json!({
                "query": "query($id: ID!) { factSheet(id: $id) { history { edges { node { kind actor author { kind name subject } } } } } }",
                "variables": {"id": id},
            }),
        )
        .await;
    let subject = format!(
        "apitoken:{}",
        created["id"].as_str().unwrap().replace('-', "")
    );
    let authors: Vec<Value> = body["data"]["factSheet"]["history"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body:#}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(
        authors,
        [
            json!({"kind": "ARCHIVED", "actor": "admin@acme",
                   "author": {"kind": "USER", "name": "admin@acme", "subject": "admin@acme"}}),
            json!({"kind": "CREATED", "actor": "CI pipeline (API token)",
                   "author": {"kind": "API_TOKEN", "name": "CI pipeline", "subject": subject}}),
        ]
    );
}
