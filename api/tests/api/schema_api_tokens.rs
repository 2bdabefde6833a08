//! API token management at the schema level: only admins, tenant-scoped, validated input.

use chrono::{Duration, Utc};
use domain::Role;
use serde_json::{Value, json};

use crate::support::{TestApp, code};

const CREATE: &str =
    "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token apiToken { id } } }";

async fn create_as_admin(app: &TestApp, input: Value) -> Value {
    app.run(CREATE, json!({"i": input})).await
}

#[tokio::test]
async fn viewers_and_members_may_not_manage_api_tokens() {
    let app = TestApp::new().await;
    let created = app
        .data(
            CREATE,
            json!({"i": {"name": "ci", "role": "VIEWER", "ttl": "1d"}}),
        )
        .await;
    let id = created["createApiToken"]["apiToken"]["id"].clone();
    for role in [Role::Viewer, Role::Member] {
        let principal = app.as_role(role);
        let operations = [
            ("apiTokens", "{ apiTokens { id } }", json!({})),
            (
                "createApiToken",
                CREATE,
                json!({"i": {"name": "x", "role": "VIEWER", "ttl": "1d"}}),
            ),
            (
                "revokeApiToken",
                "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } } }",
                json!({"id": id}),
            ),
        ];
        for (operation, query, variables) in operations {
            let response = app.run_as(&principal, query, variables).await;
            assert_eq!(code(&response), "FORBIDDEN", "{role} {operation}");
        }
    }
    let listed = app.data("{ apiTokens { id revokedAt } }", json!({})).await;
    assert_eq!(
        listed["apiTokens"].as_array().unwrap().len(),
        1,
        "nothing created"
    );
    assert!(
        listed["apiTokens"][0]["revokedAt"].is_null(),
        "nothing revoked"
    );
}

#[tokio::test]
async fn expiry_and_name_are_validated() {
    let app = TestApp::new().await;
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    let soon = (Utc::now() + Duration::days(1)).to_rfc3339();
    let cases = [
        (
            "neither",
            json!({"name": "a", "role": "VIEWER"}),
            "expiresAt",
        ),
        (
            "both",
            json!({"name": "a", "role": "VIEWER", "ttl": "1d", "expiresAt": soon}),
            "expiresAt",
        ),
        (
            "past",
            json!({"name": "a", "role": "VIEWER", "expiresAt": past}),
            "expiresAt",
        ),
        (
            "too far",
            json!({"name": "a", "role": "VIEWER", "expiresAt": far}),
            "expiresAt",
        ),
        (
            "bad ttl",
            json!({"name": "a", "role": "VIEWER", "ttl": "soon"}),
            "ttl",
        ),
        (
            "empty name",
            json!({"name": "  ", "role": "VIEWER", "ttl": "1d"}),
            "name",
        ),
    ];
    for (case, input, field) in cases {
        let response = create_as_admin(&app, input).await;
        assert_eq!(code(&response), "BAD_USER_INPUT", "{case}: {response}");
        assert_eq!(
            response["errors"][0]["extensions"]["field"], field,
            "{case}"
        );
    }
    let listed = app.data("{ apiTokens { id } }", json!({})).await;
    assert_eq!(listed["apiTokens"], json!([]));
}

#[tokio::test]
async fn api_tokens_are_scoped_to_their_workspace() {
    let app = TestApp::new().await;
    let created = app
        .data(
            CREATE,
            json!({"i": {"name": "ci", "role": "ADMIN", "ttl": "1d"}}),
        )
        .await;
    let id = created["createApiToken"]["apiToken"]["id"].clone();
    let globex = app.other_workspace().await;
    let listed = app.run_as(&globex, "{ apiTokens { id } }", json!({})).await;
    assert_eq!(listed["data"]["apiTokens"], json!([]));
    let revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } } }";
    let response = app.run_as(&globex, revoke, json!({"id": id})).await;
    assert_eq!(code(&response), "NOT_FOUND");
    // Revoking twice keeps the first revocation time.
    let first = app.data(revoke, json!({"id": id})).await;
    let second = app.data(revoke, json!({"id": id})).await;
    assert!(first["revokeApiToken"]["apiToken"]["revokedAt"].is_string());
    assert_eq!(first, second);
}
