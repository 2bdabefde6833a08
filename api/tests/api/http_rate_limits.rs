//! Rate limits through the real HTTP server, for both backends: a budget per
//! token, a budget per workspace shared by its tokens, 429 with `Retry-After`, and a refused
//! request that did nothing.

use std::time::Duration;

use api::config::{Config, RateLimitBackend};
use chrono::{Timelike, Utc};
use domain::{Role, rate_limits, tags};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::support::{Server, TestApp, code};

fn limited(backend: RateLimitBackend) -> Config {
    Config {
        rate_limit_per_token_per_minute: 3,
        rate_limit_per_workspace_per_minute: 5,
        rate_limit_burst_seconds: 60,
        rate_limit_backend: backend,
        ..Config::default()
    }
}

/// The database backend counts in calendar minutes; a test that starts in a minute's last
/// seconds waits for the next one, so its requests all land in one window.
async fn away_from_a_window_edge() {
    let second = Utc::now().second();
    if second >= 50 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - second))).await;
    }
}

async fn create_tag(server: &Server, token: &str, name: &str) -> (u16, Option<u64>, Value) {
    let response = server
        .client
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({"query": format!("mutation {{ createTag(input: {{name: \"{name}\"}}) {{ tag {{ id }} }} }}")}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    (status, retry_after, response.json().await.unwrap())
}

async fn budgets_are_per_token_and_shared_per_workspace(backend: RateLimitBackend) {
    let app = TestApp::new().await;
    let other = app.other_workspace().await;
    let server = app.spawn(limited(backend));
    let alice = server.token("acme", Role::Admin);
    let bob = server.token("acme", Role::Member);
    let globex = server.token("globex", Role::Admin);
    away_from_a_window_edge().await;

    for i in 0..3 {
        let (status, retry, body) = create_tag(&server, &alice, &format!("alice-{i}")).await;
        assert_eq!((status, retry), (200, None), "{body}");
    }
    // Alice's fourth request is over her token's budget: refused, and not executed.
    let (status, retry, body) = create_tag(&server, &alice, "alice-3").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(code(&body), "LIMIT_EXCEEDED");
    let retry = retry.expect("a Retry-After header");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("token")
    );

    // Bob has his own token budget but shares the workspace's: 3 of its 5 are spent (Alice's
    // refused request did not count against the workspace).
    for i in 0..2 {
        let (status, _, body) = create_tag(&server, &bob, &format!("bob-{i}")).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, retry, body) = create_tag(&server, &bob, "bob-2").await;
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some());
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("workspace")
    );

    // Every endpoint behind authentication is limited, `/events`, `/export` and `/import` too.
    let response = server.post_events(Some(&bob), "[]").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    for request in [
        server.client.get(format!("{}/export", server.base)),
        server
            .client
            .post(format!("{}/import", server.base))
            .header("content-type", "application/x-ndjson"),
    ] {
        let response = request.bearer_auth(&bob).send().await.unwrap();
        assert_eq!(response.status(), 429);
    }

    // Another workspace has budgets of its own.
    let (status, _, body) = create_tag(&server, &globex, "globex-0").await;
    assert_eq!(status, 200, "{body}");

    let names: Vec<String> = tags::list(app.db.conn(), &app.admin)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["alice-0", "alice-1", "alice-2", "bob-0", "bob-1"]);
    assert_eq!(tags::list(app.db.conn(), &other).await.unwrap().len(), 1);
}

#[tokio::test]
async fn memory_budgets_are_per_token_and_shared_per_workspace() {
    budgets_are_per_token_and_shared_per_workspace(RateLimitBackend::Memory).await;
}

#[tokio::test]
async fn database_budgets_are_per_token_and_shared_per_workspace() {
    budgets_are_per_token_and_shared_per_workspace(RateLimitBackend::Database).await;
}

/// Two servers on one database stand for two replicas behind a load balancer: with the
/// database backend they spend one budget; with the memory backend each keeps its own.
#[tokio::test]
async fn replicas_share_database_budgets() {
    let app = TestApp::new().await;
    let first = app.spawn(limited(RateLimitBackend::Database));
    let second = app.spawn(limited(RateLimitBackend::Database));
    let token = first.token("acme", Role::Admin);
    away_from_a_window_edge().await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let replica = if i % 2 == 0 { &first } else { &second };
        statuses.push(create_tag(replica, &token, &format!("t{i}")).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[tokio::test]
async fn expired_windows_are_deleted_and_tokens_are_never_stored() {
    let app = TestApp::new().await;
    // A window from long ago, as a replica that stopped would leave behind.
    rate_limits::count_request(app.db.conn(), app.admin.workspace_id, "token:gone", 0)
        .await
        .unwrap();
    let server = app.spawn(limited(RateLimitBackend::Database));
    let token = server.token("acme", Role::Viewer);
    let (status, body) = server
        .graphql(Some(&token), json!({"query": "{ viewer { role } }"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = entity::rate_limit_window::Entity::find()
        .all(app.db.conn())
        .await
        .unwrap();
    let now = Utc::now().timestamp();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        assert!(now - row.window_start < 120, "{row:?}");
        assert_eq!(row.count, 1);
        assert!(!token.contains(row.bucket_key.trim_start_matches("token:")));
        assert!(!row.bucket_key.contains(&token[..20]));
    }
}
