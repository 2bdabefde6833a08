use api::config::Config;
use domain::{Role, workspaces};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use crate::{
    http_events::{ev, post_batch},
    support::{SECRET, TestApp},
};

fn claims(exp_offset: i64, iss: &str, aud: &str, workspace: &str) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "mallory", "workspace": workspace, "role": "admin", "iss": iss, "aud": aud, "exp": now + exp_offset, "iat": now})
}

fn sign(claims: &serde_json::Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn every_bad_token_is_a_401_with_no_detail() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let query = json!({"query": "{ viewer { subject } }"});
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(600, "wayfinder", "wayfinder-api", "acme").to_string())
    );
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("malformed", Some("not.a.jwt".into())),
        (
            "bad signature",
            Some(sign(
                &claims(600, "wayfinder", "wayfinder-api", "acme"),
                b"some-other-secret-some-other-secret",
            )),
        ),
        (
            "expired",
            Some(sign(
                &claims(-3600, "wayfinder", "wayfinder-api", "acme"),
                SECRET,
            )),
        ),
        (
            "wrong issuer",
            Some(sign(&claims(600, "evil", "wayfinder-api", "acme"), SECRET)),
        ),
        (
            "wrong audience",
            Some(sign(&claims(600, "wayfinder", "other-api", "acme"), SECRET)),
        ),
        ("alg none", Some(unsigned)),
        (
            "unknown workspace",
            Some(sign(
                &claims(600, "wayfinder", "wayfinder-api", "nope"),
                SECRET,
            )),
        ),
    ];
    for (case, token) in cases {
        let (status, body) = server.graphql(token.as_deref(), query.clone()).await;
        assert_eq!(status, 401, "{case}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{case}"
        );
        assert_eq!(
            body["errors"][0]["message"], "a valid bearer token is required",
            "{case}"
        );
    }
}

#[tokio::test]
async fn the_workspace_comes_from_the_token_and_deleted_workspaces_lock_out() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Viewer);
    let (status, body) = server
        .graphql(
            Some(&token),
            json!({"query": "{ viewer { subject workspace role } }"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["viewer"],
        json!({"subject": "viewer@acme", "workspace": "acme", "role": "VIEWER"})
    );
    workspaces::delete(app.db.conn(), "acme").await.unwrap();
    let (status, _) = server
        .graphql(Some(&token), json!({"query": "{ viewer { subject } }"}))
        .await;
    assert_eq!(status, 401);
}

/// The server remembers workspaces it has seen (on PostgreSQL, where every transaction checks
/// the workspace again): a deletion must still lock out reads, mutations and events at once.
#[tokio::test]
async fn a_workspace_seen_before_is_checked_again_on_every_request() {
    let app = TestApp::new().await;
    let server = app.spawn(Config::default());
    let token = server.token("acme", Role::Admin);
    let create = json!({"query": r#"mutation { createFactSheet(input: {type: "Team", name: "Platform"}) { factSheet { id } } }"#});
    let (status, body) = server.graphql(Some(&token), create.clone()).await;
    assert_eq!(status, 200, "{body}");
    let count = json!({"query": "{ factSheets { totalCount } }"});
    let (_, body) = server.graphql(Some(&token), count.clone()).await;
    assert_eq!(body["data"]["factSheets"]["totalCount"], 1, "{body}");
    let event = [ev(
        "d-1",
        "deployment",
        "2026-11-01T00:00:00Z",
        json!({"changeIds": []}),
    )];
    let (status, body) = post_batch(&server, &token, &event).await;
    assert_eq!(status, 202, "{body}");

    workspaces::delete(app.db.conn(), "acme").await.unwrap();
    let (status, body) = server
        .graphql(Some(&token), json!([count.clone(), count.clone()]))
        .await;
    assert_eq!(status, 401, "a batch: {body}");
    let (status, body) = server.graphql(Some(&token), count).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = server.graphql(Some(&token), create).await;
    assert_eq!(status, 401, "a mutation of a deleted workspace: {body}");
    let (status, _) = post_batch(&server, &token, &event).await;
    assert_eq!(status, 401, "events for a deleted workspace");
}
